/**
 * Phone number normalization for the reverse lookup (caller ID → contact), in the manner of estos ProCall's
 * MetaDirectory or Wazo's reverse lookup: every stored number and every looked-up number is brought to one key,
 * E.164 ('+49711123456'), using the tenant's numbering plan. Pure functions, no I/O.
 *
 * Parsing, country calling codes and trunk ("national") prefix handling come from libphonenumber-js with the `max`
 * metadata. `max` parses as fast as `min` (measured: ~300k parses/s for both, both load in ~28 ms; `max` is
 * 157 kB of metadata against 83 kB) and only `isValid()` costs more (~185k/s against ~235k/s), which this module
 * calls on rare paths only; `min` cannot tell number types apart (`getType()` is undefined, needed to keep
 * extensions off mobiles) and calls '+49 123456' valid, so there is nothing to gain from `min` on a server.
 *
 * Rules (see normalize()):
 * - Plausible, not valid: a number is accepted when libphonenumber calls it *possible* (its length fits the
 *   country) and it has at most 15 digits (E.164). Validity is not required: new number ranges, and German or
 *   Austrian direct-dial numbers (base number with the extension appended, '+49 711 123456-12' →
 *   '+4971112345612'), must keep working; libphonenumber's possible lengths for DE and AT (up to 15 national
 *   digits) already admit every such number, and the 15-digit E.164 cap (which libphonenumber-js does not
 *   enforce: it accepts '+49 711 123456789012') is checked here. One use of validity: a national number that
 *   still starts with '0' after parsing and is not valid is rejected (that 0 is a trunk prefix libphonenumber left
 *   in place, e.g. '0711' alone, or '+49 0711' → '+490711'), while valid ones are kept (Italy's '+39 06 …').
 * - '(0)' in an international number ('+49 (0)711 123456', '0044 (0)20 …') is kept as a digit and libphonenumber
 *   removes it as the national prefix where the country has one (DE, GB, AT, CH, FR, NL, …) and keeps it where
 *   the 0 belongs to the number (Italy): dropping '(0)' blindly would break '+39 (0)6 …'.
 * - A hyphen is only a separator: '0711 1234-56' is 0711 123456 (DIN 5008 writes the direct-dial part after a
 *   hyphen, and the digits are the number). A number ending in '-0' ('+49 711 1234-0') is the switchboard of a
 *   block: the result carries `blockBase` (the number without that 0) for the index's block lookup.
 * - Explicit extension markers ('ext. 12', 'x12', '#12', 'Durchwahl 12', 'DW 12', 'App. 12', ';ext=12'): in
 *   Germany and Austria an extension is dialled by appending it to the base number, and a PBX presents exactly
 *   that as the caller ID, so the extension is appended (when the base is not a mobile number and the result
 *   has at most 15 digits). Elsewhere ('+1 212 555 0100 x123') an extension is reached through an operator or
 *   menu and calls come from the main number, so the extension is dropped and the base number is the key. Both
 *   ways the result's `extension` holds the marker's digits.
 * - Numbers without a trunk or exit prefix: if the plan has extensions and the digit count is in range, the
 *   number is an internal extension (pbxBase + digits); otherwise it is a local number: in a plan with a trunk
 *   prefix (DE) the area code is put in front (as a phone in Stuttgart dials it); in a plan without one (NANP,
 *   and closed plans such as Italy) it is first read as a national number and the area code is tried only if
 *   that is not possible ('555-0100' in 212).
 * - Letters: vanity numbers ('0800-FLOWERS', '1-800-FLOWERS') are turned into keypad digits (libphonenumber-js,
 *   unlike Google's Java library, rejects them), only in capitals, with at least 3 letters behind at least 3
 *   digits that begin like a full number; labels ('Tel.:', 'Fax') in front and a comment in brackets behind
 *   ('(Zentrale)') are dropped; any other text rejects the number.
 */

import { Metadata } from 'libphonenumber-js/core';
import {
  type CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  type PhoneNumber,
  parseDigits,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import metadata from 'libphonenumber-js/max/metadata';

export interface NumberingPlan {
  /** ISO 3166 alpha-2, e.g. 'DE'. */
  country: string;
  /** National area code without trunk prefix, e.g. '711' (Stuttgart); null if none. */
  areaCode: string | null;
  /** '0' in DE; '' in NANP countries (libphonenumber strips NANP's national prefix '1' by itself). */
  trunkPrefix: string;
  /** '00' in DE, '011' in NANP. */
  exitPrefix: string;
  /** The PBX's base number in E.164 without the extension, e.g. '+49711123456'; null if none. */
  pbxBase: string | null;
  /** Digits of an internal extension; numbers of this length without trunk/exit prefix are extensions. */
  extensionLength: { min: number; max: number } | null;
}

export interface NormalizeOk {
  ok: true;
  e164: string;
  kind: 'e164' | 'extension';
  /** kind 'extension': the internal extension. kind 'e164': the digits after an explicit marker ('x12'). */
  extension?: string;
  /** For a block's switchboard written with '-0' ('+49 711 1234-0'): the number without that 0 ('+497111234'). */
  blockBase?: string;
  /** ISO country of the number when libphonenumber can tell (not for every number of a shared calling code). */
  country?: string;
}

export interface NormalizeFail {
  ok: false;
  /** Human-readable, e.g. 'too short', 'not a phone number (contains letters)', 'too long for GB'. */
  reason: string;
}

export type NormalizeResult = NormalizeOk | NormalizeFail;

/** Numbers known to be normalize()'s results (a directory index): see normalize()'s `known`. */
export interface KnownNumbers {
  has(e164: string): boolean;
}

/** Inputs longer than this (in UTF-16 units) are rejected before any work. */
export const MAX_INPUT_LENGTH = 64;
/** E.164: at most 15 digits, country calling code included. */
export const MAX_E164_DIGITS = 15;
/** switchboardCandidates() and prefixesOf() never keep fewer national digits than this. */
export const MIN_NATIONAL_DIGITS = 4;

/** Calling codes where an extension is dialled by appending it to the base number (direct dial). */
const DIRECT_DIAL_CALLING_CODES = new Set(['49', '43']);
/** Every country calling code, geographic and not ('800', '882', …); calling codes are prefix-free. */
const CALLING_CODES = new Set([...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic)]);

const fail = (reason: string): NormalizeFail => ({ ok: false, reason });

/** The common spellings: ASCII digits with spaces, hyphens, dots, slashes, brackets and a leading '+'. */
const SIMPLE = /^\+?[\d ()\-./]*$/;
const NON_DIGITS = /\D/g;
const NON_ASCII = /[^\x20-\x7e]/;
const URI_SCHEME = /^(tel|sips?):/i;
const IGNORABLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const LEADING_LABEL =
  /^(?:tel(?:efon)?|phone|fon|mob(?:il(?:e|funk|telefon)?)?|handy|cell|fax|telefax|office|work|home|privat|büro|buero|gesch(?:äftlich)?|zentrale)\.?\s*:?\s*(?=[+(\d])/iu;
const TRAILING_COMMENT = /\s*[([][^\d()[\]]*\p{L}[^\d()[\]]*[)\]]\s*$/u;
const EXTENSION_MARKER =
  /[\s,;(\-\u2010-\u2015]*(?:(?<!\p{L})(?:ext|extn|extension|durchwahl|dw|app|apparat|nst|nebenstelle|poste|x)(?!\p{L})\.?|#)\s*[:.=]?\s*(\d{1,6})\s*\)?\s*$/iu;
const LETTER = /\p{L}/u;
const VANITY = /^[+\d\s()\-./\u2010-\u2015A-Z]*$/;
const UNICODE_DIGIT = /\p{Nd}/u;
const DASH_ZERO_END = /[-\u2010-\u2015\u2212]\s*0$/;
const SEPARATORS = new Set([' ', '-', '.', '/', '(', ')', '[', ']', '\u00b7', '\u2212']);
const KEYPAD: Record<string, string> = {};
for (const [digit, letters] of Object.entries({
  2: 'ABC',
  3: 'DEF',
  4: 'GHI',
  5: 'JKL',
  6: 'MNO',
  7: 'PQRS',
  8: 'TUV',
  9: 'WXYZ',
})) {
  for (const letter of letters) KEYPAD[letter] = digit;
}

interface Scanned {
  plus: boolean;
  digits: string;
  /** Digits of an explicit extension marker. */
  extension?: string;
  /** RFC 3966 phone-context (digits, global) for a local number in a tel/sip URI. */
  context?: string;
  /** Written with a trailing '-0'. */
  block: boolean;
}

/**
 * Normalizes a phone number as written in a phone book, AD, CRM or as a caller ID to E.164.
 *
 * Speed (Node 20, measured over 100,000 varied spellings, 24 kinds from '0711 123456' to 'tel:' URIs, 'ext.'
 * markers and garbage): ~250k calls/s warm (4 µs each), ~160k/s in the first, cold pass; ~360k/s for input that
 * is already E.164. libphonenumber's parse is most of it. 1,000,000 contacts with three numbers each take
 * ~12–20 s to index.
 *
 * `known`: numbers this function returned before (a directory index). A plain caller ID (no extension marker, no
 * block) that reads as one of them once its exit or trunk prefix, or the plan's area code, is accounted for is
 * that number without libphonenumber: an international spelling because normalize() reads its own results back
 * unchanged, a national one when the country's trunk prefix is a plain prefix that libphonenumber strips (DE, AT,
 * CH, FR, NL, …; not Italy or Argentina), as it does whenever the rest is a possible number. Such a result has no
 * `country`.
 */
export function normalize(raw: string, plan: NumberingPlan, known?: KnownNumbers): NormalizeResult {
  if (typeof raw !== 'string') return fail('not a string');
  if (raw.length > MAX_INPUT_LENGTH) return fail(`too long (over ${MAX_INPUT_LENGTH} characters)`);
  if (!isSupportedCountry(plan.country)) return fail(`numbering plan: unsupported country ${plan.country}`);
  const country = plan.country;

  const scanned = scan(raw, plan);
  if (typeof scanned === 'string') return fail(scanned);
  let { plus, digits } = scanned;
  if (digits.length === 0) return fail('not a phone number (no digits)');
  if (!plus && scanned.context !== undefined) {
    digits = scanned.context + digits;
    plus = true;
  }

  const trunk = plan.trunkPrefix;
  const exit = plan.exitPrefix;
  const shortcut = known !== undefined && scanned.extension === undefined && !scanned.block ? known : undefined;
  let parsed: PhoneNumber | string;
  if (plus || (exit !== '' && digits.startsWith(exit))) {
    const international = plus ? digits : digits.slice(exit.length);
    if (shortcut?.has(`+${international}`)) return { ok: true, e164: `+${international}`, kind: 'e164' };
    parsed = international.length < 4 ? 'too short' : parse(`+${international}`);
  } else if (trunk !== '' && digits.startsWith(trunk)) {
    const hit = shortcut && knownNational(digits.slice(trunk.length), plan, shortcut);
    if (hit) return hit;
    parsed = parse(digits, country);
  } else {
    const ext = plan.extensionLength;
    if (ext !== null && digits.length >= ext.min && digits.length <= ext.max && scanned.extension === undefined) {
      const base = plan.pbxBase === null ? '' : plan.pbxBase.replace(NON_DIGITS, '');
      if (base === '') return fail('internal extension, but the numbering plan has no PBX base number');
      return { ok: true, e164: `+${base}${digits}`, kind: 'extension', extension: digits };
    }
    if (digits.length < 3) return fail('too short');
    const area = areaCodeOf(plan);
    if (trunk !== '') {
      if (area === '') return fail('local number, but the numbering plan has no area code');
      const hit = shortcut && knownNational(`${area}${digits}`, plan, shortcut);
      if (hit) return hit;
      parsed = parse(`${trunk}${area}${digits}`, country);
    } else {
      parsed = parse(digits, country);
      if (area !== '' && (typeof parsed === 'string' || !parsed.isPossible())) {
        const withArea = parse(`${area}${digits}`, country);
        if (typeof withArea !== 'string' && withArea.isPossible()) parsed = withArea;
      }
    }
  }
  if (typeof parsed === 'string') return fail(parsed);

  const checked = check(parsed);
  if (checked !== undefined) return fail(checked);

  let e164 = parsed.number;
  const result: NormalizeOk = { ok: true, e164, kind: 'e164' };
  if (parsed.country !== undefined) result.country = parsed.country;
  if (scanned.extension !== undefined) {
    const extension = scanned.extension;
    result.extension = extension;
    if (
      DIRECT_DIAL_CALLING_CODES.has(parsed.countryCallingCode) &&
      e164.length - 1 + extension.length <= MAX_E164_DIGITS &&
      !isMobile(parsed)
    ) {
      e164 = `${e164}${extension}`;
      result.e164 = e164;
    }
  } else if (scanned.block && e164.endsWith('0')) {
    result.blockBase = e164.slice(0, -1);
  }
  return result;
}

/** Per country: its calling code, and whether its trunk prefix is one libphonenumber strips as a plain prefix. */
const plainTrunks = new Map<string, { callingCode: string; trunk: string | undefined }>();

/** `+<calling code><national>` when `known` has it and the plan's trunk prefix is plain (see normalize()). */
function knownNational(national: string, plan: NumberingPlan, known: KnownNumbers): NormalizeOk | undefined {
  let country = plainTrunks.get(plan.country);
  if (country === undefined) {
    const m = new Metadata(metadata);
    m.selectNumberingPlan(plan.country as CountryCode);
    // Present at run time, missing from the typings.
    const rules = m.numberingPlan as unknown as {
      nationalPrefixForParsing(): string | undefined;
      nationalPrefixTransformRule(): string | undefined;
    };
    const forParsing = rules.nationalPrefixForParsing();
    const plain = !rules.nationalPrefixTransformRule() && forParsing !== undefined && /^\d+$/.test(forParsing);
    country = {
      callingCode: getCountryCallingCode(plan.country as CountryCode),
      trunk: plain ? forParsing : undefined,
    };
    plainTrunks.set(plan.country, country);
  }
  if (country.trunk !== plan.trunkPrefix) return undefined;
  const e164 = `+${country.callingCode}${national}`;
  return known.has(e164) ? { ok: true, e164, kind: 'e164' } : undefined;
}

/**
 * The company search of estos: the number with its last 1, 2 and 3 digits replaced by a single '0' (the
 * switchboard), longest first, never keeping fewer than MIN_NATIONAL_DIGITS national digits, without the number
 * itself and without repeats. '+49711123456' → ['+49711123450', '+4971112340', '+497111230'].
 */
export function switchboardCandidates(e164: string): string[] {
  const cc = callingCodeOf(e164);
  if (cc === undefined) return [];
  const national = e164.length - 1 - cc.length;
  const out: string[] = [];
  for (let strip = 1; strip <= 3 && national - strip >= MIN_NATIONAL_DIGITS; strip++) {
    const candidate = `${e164.slice(0, e164.length - strip)}0`;
    if (candidate !== e164 && !out.includes(candidate)) out.push(candidate);
  }
  return out;
}

/**
 * Numbers registered as a block ('+49 711 1234-0' covers '+49 711 1234-xx'). The index stores each block under
 * its base, the switchboard number without the trailing 0 (normalize() gives it as `blockBase` when the number
 * is written with '-0'), in a map of its own; a lookup that finds no exact match walks prefixesOf(number), the
 * number itself first and then ever shorter prefixes, and the first (longest) prefix found in that map is the
 * block, a candidate marked uncertain like the switchboard candidates. The walk stops at the calling code plus
 * `minNationalDigits` national digits, so at most ~12 map probes per lookup. Yields nothing for a string that is
 * not E.164 with a known calling code.
 */
export function* prefixesOf(e164: string, minNationalDigits = MIN_NATIONAL_DIGITS): Generator<string> {
  const cc = callingCodeOf(e164);
  if (cc === undefined) return;
  const shortest = 1 + cc.length + minNationalDigits;
  for (let end = e164.length; end >= shortest; end--) yield e164.slice(0, end);
}

/**
 * For display: national format when the number has the plan's calling code ('0711 123456', '(212) 555-0100'),
 * international otherwise ('+49 711 123456'). A direct-dial number of the plan's PBX is shown DIN 5008 style,
 * base and extension apart ('0711 123456-12'). A string libphonenumber cannot read is returned unchanged.
 */
export function formatDisplay(e164: string, plan?: NumberingPlan): string {
  const parsed = parse(e164);
  if (typeof parsed === 'string') return e164;
  const national =
    plan !== undefined &&
    isSupportedCountry(plan.country) &&
    getCountryCallingCode(plan.country) === parsed.countryCallingCode;
  if (plan?.pbxBase && plan.extensionLength !== null && e164.startsWith(plan.pbxBase)) {
    const extension = e164.slice(plan.pbxBase.length);
    const base = parse(plan.pbxBase);
    if (
      typeof base !== 'string' &&
      extension.length >= plan.extensionLength.min &&
      extension.length <= plan.extensionLength.max
    ) {
      return `${national ? base.formatNational() : base.formatInternational()}-${extension}`;
    }
  }
  return national ? parsed.formatNational() : parsed.formatInternational();
}

/**
 * formatDisplay() for one numbering plan, without parsing the number again: for a national number
 * its country's trunk prefix does not begin, parsing the E.164 only splits it (and, for a calling
 * code of several countries such as +1 or +44, picks one of them by the number: all of them format
 * alike today, and a calling code whose countries do not is left to formatDisplay()), so the result
 * is libphonenumber's format chosen and applied with the country's patterns compiled once
 * (libphonenumber compiles them on every call). Anything else is formatDisplay() itself; the two
 * are compared on every number of the directory benchmark's data and on libphonenumber's example
 * number of every type of every country (phone-display.test.ts).
 */
export function displayFormatter(plan: NumberingPlan): (e164: string) => string {
  const own = isSupportedCountry(plan.country) ? getCountryCallingCode(plan.country) : undefined;
  const ext = plan.extensionLength;
  const pbxBase = plan.pbxBase !== null && plan.pbxBase !== '' && ext !== null ? plan.pbxBase : null;
  // formatDisplay()'s direct dial: the base as libphonenumber formats it, then '-' and the extension.
  const base = pbxBase === null ? 'none' : parse(pbxBase);
  const pbxShown =
    typeof base === 'string'
      ? null
      : base.countryCallingCode === own
        ? base.formatNational()
        : base.formatInternational();
  return (e164) => {
    const cc = callingCodeOf(e164);
    const country = cc === undefined ? null : displayCountry(cc);
    const national = cc === undefined ? '' : e164.slice(1 + cc.length);
    if (
      country === null ||
      national.length < MIN_NSN_LENGTH ||
      national.length > MAX_NSN_LENGTH ||
      !DIGITS.test(national) ||
      country.trunk?.test(national)
    ) {
      return formatDisplay(e164, plan);
    }
    if (pbxBase !== null && ext !== null && pbxShown !== null && e164.startsWith(pbxBase)) {
      const extension = e164.length - pbxBase.length;
      if (extension >= ext.min && extension <= ext.max) return `${pbxShown}-${e164.slice(pbxBase.length)}`;
    }
    const f = country.formats.find(
      (f) => (f.leading === undefined || national.search(f.leading) === 0) && f.whole.test(national),
    );
    if (f === undefined) return formatDisplay(e164, plan);
    if (cc === own) return national.replace(f.pattern, f.national);
    return `+${cc} ${national.replace(f.pattern, f.international).replace(PUNCTUATION_RUNS, ' ').trim()}`;
  };
}

/** libphonenumber's bounds of a national significant number (MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN). */
const MIN_NSN_LENGTH = 2;
const MAX_NSN_LENGTH = 17;
const DIGITS = /^\d+$/;
/** libphonenumber's VALID_PUNCTUATION, which its international format turns into single spaces. */
const PUNCTUATION_RUNS =
  /[-\u2010-\u2015\u2212\u30FC\uFF0D\uFF0F/\uFF0E. \xA0\xAD\u200B\u2060\u3000()\uFF08\uFF09\uFF3B\uFF3D[\]~\u2053\u223C\uFF5E]+/g;

interface DisplayFormat {
  /** The last of its leading-digits patterns (unanchored, as libphonenumber searches it). */
  leading: RegExp | undefined;
  whole: RegExp;
  pattern: RegExp;
  /** The replacement for national display: the national prefix rule applied to the first group. */
  national: string;
  international: string;
}

/** Per calling code: its one country's trunk prefix and formats; null when formatDisplay() must decide. */
const displayCountries = new Map<string, { trunk: RegExp | undefined; formats: DisplayFormat[] } | null>();

function displayCountry(cc: string): { trunk: RegExp | undefined; formats: DisplayFormat[] } | null {
  let known = displayCountries.get(cc);
  if (known !== undefined) return known;
  known = null;
  const countries = (metadata.country_calling_codes as Record<string, string[] | undefined>)[cc] ?? [];
  const rules = countries.map((country) => {
    if (!isSupportedCountry(country)) return null;
    const m = new Metadata(metadata);
    m.selectNumberingPlan(country);
    // Present at run time, missing from the typings.
    return m.numberingPlan as unknown as {
      nationalPrefixForParsing(): string | undefined;
      formats(): {
        pattern(): string;
        format(): string;
        leadingDigitsPatterns(): string[];
        nationalPrefixFormattingRule(): string | undefined;
        internationalFormat(): string;
      }[];
    };
  });
  const formatsOf = (r: (typeof rules)[number]) =>
    r?.formats().map((f) => ({
      leading: f.leadingDigitsPatterns().at(-1),
      pattern: f.pattern(),
      national: f.nationalPrefixFormattingRule()
        ? f.format().replace(/(\$\d)/, f.nationalPrefixFormattingRule() as string)
        : f.format(),
      international: f.internationalFormat(),
    }));
  const main = formatsOf(rules[0] ?? null);
  const same = JSON.stringify(main);
  // libphonenumber splits the number with the first country's trunk prefix, then picks one of the
  // countries by the number and formats with its formats: the choice matters only if they differ.
  if (main !== undefined && rules.every((r) => JSON.stringify(formatsOf(r)) === same)) {
    const trunk = rules[0]?.nationalPrefixForParsing();
    known = {
      trunk: trunk ? new RegExp(`^(?:${trunk})`) : undefined,
      formats: main.map((f) => ({
        leading: f.leading === undefined ? undefined : new RegExp(f.leading),
        whole: new RegExp(`^(?:${f.pattern})$`),
        pattern: new RegExp(f.pattern),
        national: f.national,
        international: f.international,
      })),
    };
  }
  displayCountries.set(cc, known);
  return known;
}

/** The country calling code of an E.164 string ('+4971…' → '49'), or undefined. */
export function callingCodeOf(e164: string): string | undefined {
  if (e164.charCodeAt(0) !== 0x2b) return undefined;
  for (let length = 1; length <= 3; length++) {
    const cc = e164.slice(1, 1 + length);
    if (CALLING_CODES.has(cc)) return cc;
  }
  return undefined;
}

/**
 * An E.164 number as dialled from the plan's country: the trunk prefix and the national number for
 * a number of the plan's calling code ('+49711123456' → '0711123456' in DE), else the exit prefix
 * and the digits ('+4420…' → '004420…'). What a provider that wants national numbers gets.
 */
export function nationalDialString(e164: string, plan: NumberingPlan): string {
  const cc = callingCodeOf(e164);
  if (cc === undefined || !isSupportedCountry(plan.country)) return e164;
  const own = getCountryCallingCode(plan.country as CountryCode) === cc;
  return own ? `${plan.trunkPrefix}${e164.slice(1 + cc.length)}` : `${plan.exitPrefix}${e164.slice(1)}`;
}

/** libphonenumber's parse, its errors as reasons. */
function parse(text: string, country?: CountryCode): PhoneNumber | string {
  try {
    return country === undefined ? parsePhoneNumberWithError(text) : parsePhoneNumberWithError(text, country);
  } catch (error) {
    return reasonOf(error instanceof Error ? error.message : String(error), country);
  }
}

function reasonOf(code: string, country?: string): string {
  switch (code) {
    case 'INVALID_COUNTRY':
      return country === undefined ? 'unknown country calling code' : `unsupported country ${country}`;
    case 'TOO_SHORT':
      return country === undefined ? 'too short' : `too short for ${country}`;
    case 'TOO_LONG':
      return country === undefined ? 'too long' : `too long for ${country}`;
    case 'INVALID_LENGTH':
      return country === undefined ? 'invalid length' : `invalid length for ${country}`;
    default:
      return 'not a phone number';
  }
}

/** The acceptance rule: possible for its country, at most 15 digits, no leftover trunk prefix. */
function check(parsed: PhoneNumber): string | undefined {
  const where = parsed.country ?? `+${parsed.countryCallingCode}`;
  if (parsed.number.length - 1 > MAX_E164_DIGITS) return `too long (over ${MAX_E164_DIGITS} digits)`;
  if (!parsed.isPossible()) {
    const reason = validatePhoneNumberLength(parsed.number);
    return reason === undefined ? `invalid for ${where}` : reasonOf(reason, where);
  }
  if (parsed.nationalNumber.startsWith('0') && !parsed.isValid()) {
    return parsed.nationalNumber.length <= MIN_NATIONAL_DIGITS ? 'too short' : `invalid for ${where}`;
  }
  return undefined;
}

function isMobile(parsed: PhoneNumber): boolean {
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'PAGER' || type === 'VOICEMAIL';
}

function areaCodeOf(plan: NumberingPlan): string {
  if (plan.areaCode === null) return '';
  const area = plan.areaCode.replace(NON_DIGITS, '');
  return plan.trunkPrefix !== '' && area.startsWith(plan.trunkPrefix) ? area.slice(plan.trunkPrefix.length) : area;
}

/** Text → '+'?, digits and what was written around them; a string is a reason to reject. */
function scan(raw: string, plan: NumberingPlan): Scanned | string {
  let text = raw.trim();
  if (text === '') return 'empty';
  if (SIMPLE.test(text)) {
    return { plus: text.startsWith('+'), digits: text.replace(NON_DIGITS, ''), block: DASH_ZERO_END.test(text) };
  }
  // NFKC: full-width digits and '+', no-break and other spaces, the non-breaking hyphen.
  if (NON_ASCII.test(text)) text = text.normalize('NFKC').replace(IGNORABLE, '').trim();
  if (text === '') return 'empty';

  let extension: string | undefined;
  let context: string | undefined;
  const scheme = URI_SCHEME.exec(text);
  if (scheme !== null) {
    const uri = fromUri(text.slice(scheme[0].length), (scheme[1] ?? '').toLowerCase() !== 'tel');
    if (typeof uri === 'string') return uri;
    ({ text, extension, context } = uri);
  }

  text = text.replace(LEADING_LABEL, '').replace(TRAILING_COMMENT, '');
  const marker = EXTENSION_MARKER.exec(text);
  if (marker !== null) {
    extension = marker[1];
    text = text.slice(0, marker.index);
  }
  text = text.trim();
  if (text === '') return 'not a phone number (no digits)';

  if (LETTER.test(text) && !isVanity(text, plan)) return 'not a phone number (contains letters)';

  let plus = false;
  let digits = '';
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') digits += ch;
    else if (ch === '+') {
      if (plus || digits !== '') return 'not a phone number (misplaced "+")';
      plus = true;
    } else if (SEPARATORS.has(ch) || (ch >= '\u2010' && ch <= '\u2015') || ch.trim() === '') {
    } else if (KEYPAD[ch] !== undefined) digits += KEYPAD[ch];
    else if (UNICODE_DIGIT.test(ch)) {
      const digit = parseDigits(ch);
      if (digit === '') return `not a phone number (unsupported digit "${ch}")`;
      digits += digit;
    } else return `not a phone number (unexpected character "${ch}")`;
  }
  const result: Scanned = { plus, digits, block: DASH_ZERO_END.test(text) };
  if (extension !== undefined) result.extension = extension;
  if (context !== undefined) result.context = context;
  return result;
}

/** A tel: (RFC 3966) or sip:/sips: URI after its scheme: the number, ';ext=' and a global ';phone-context='. */
function fromUri(
  rest: string,
  sip: boolean,
): { text: string; extension: string | undefined; context: string | undefined } | string {
  let user = rest;
  if (sip) {
    const at = user.indexOf('@');
    if (at < 0) return 'not a phone number (SIP URI without a user part)';
    user = user.slice(0, at);
    if (!/\d/.test(user)) return 'not a phone number (SIP URI without a number)';
  }
  if (user.includes('%')) {
    try {
      user = decodeURIComponent(user);
    } catch {
      return 'not a phone number (bad URI escape)';
    }
  }
  const [number = '', ...params] = user.split(';');
  let extension: string | undefined;
  let context: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    const name = (eq < 0 ? param : param.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : param.slice(eq + 1).trim();
    if (name === 'ext') {
      const digits = value.replace(/[-.()]/g, '');
      if (!/^\d{1,6}$/.test(digits)) return 'not a phone number (bad ;ext= in URI)';
      extension = digits;
    } else if (name === 'phone-context' && value.startsWith('+')) {
      context = value.replace(NON_DIGITS, '');
    }
  }
  return { text: number, extension, context };
}

/** '0800-FLOWERS', '1-800-FLOWERS': capitals only, ≥ 3 letters after ≥ 3 digits that begin a full number. */
function isVanity(text: string, plan: NumberingPlan): boolean {
  if (!VANITY.test(text)) return false;
  const firstLetter = text.search(/[A-Z]/);
  const head = text.slice(0, firstLetter).replace(NON_DIGITS, '');
  const letters = text.slice(firstLetter).replace(/[^A-Z]/g, '').length;
  if (head.length < 3 || letters < 3) return false;
  if (text.startsWith('+') || plan.trunkPrefix === '') return true;
  return head.startsWith(plan.trunkPrefix) || (plan.exitPrefix !== '' && head.startsWith(plan.exitPrefix));
}
