// The directory benchmark's data: N contacts of companies with a switchboard and extensions, and
// people with 1–3 numbers, spelled the way real phone books spell them, the same for the same N
// (every contact is a pure function of its index, so each benchmark process makes its own copy
// without passing files around); and the lookup mix: numbers as a caller ID presents them, 90%
// exact hits, 10% misses that need the company search.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NumberType, SourceContact } from '../packages/server/src/directory/source.js';
import { ascii, DEPARTMENTS, prng } from '../packages/server/test/support/slapd.js';

/** A PRNG for item `i` of stream `stream`: the same item always gets the same numbers. */
const randFor = (stream: number, i: number) => prng(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b));

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

function digits(rand: () => number, n: number, first = '123456789'): string {
  let s = pick(rand, [...first]);
  for (let i = 1; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

const GIVEN = (
  'Anna Lena Julia Sarah Laura Katharina Sophie Marie Hannah Lea Sabine Petra Claudia Monika Ursula ' +
  'Jürgen Thomas Michael Andreas Stefan Markus Christian Alexander Tobias Jan Lukas Felix Maximilian ' +
  'Jonas Florian Matthias Klaus Björn Sören Jörg Özlem Mehmet Ayşe Piotr Agnieszka Giulia Marco ' +
  'François Chloé James Emily Oliver Charlotte Mohammed Fatima Dragan Ana Nikolaos Eleni Heike Uwe ' +
  'Birgit Dieter Karin Wolfgang Renate Helmut Ingrid Manfred Elke Frank Susanne Ralf Nicole Sven'
).split(' ');
const SURNAMES = (
  'Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|Bauer|' +
  'Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|Hartmann|Lange|' +
  'Schmitt|Werner|Schmitz|Krause|Meier|Lehmann|Schmid|Schulze|Maier|Köhler|Herrmann|König|Walter|' +
  'Mayer|Huber|Kaiser|Fuchs|Peters|Lang|Scholz|Möller|Weiß|Jung|Hahn|Vogel|Yılmaz|Kaya|Nowak|' +
  "Kowalski|Rossi|Dubois|Smith|Jones|Papadopoulos|Jovanović|von der Heide|O'Brien|Brandt|Haas|" +
  'Schuster|Graf|Kühn|Pohl|Engel|Horn|Busch|Bergmann|Thomas|Voigt|Sauer|Arnold|Wolff|Pfeiffer'
).split('|');
const COMPANY_WORDS = (
  'Maschinenbau Elektrotechnik Logistik Software Immobilien Bau Medizintechnik Automotive Consulting ' +
  'Versicherungen Verpackung Kunststofftechnik Steuerberatung Druck Energie Feinmechanik Metallbau ' +
  'Haustechnik Spedition Anlagenbau Gebäudereinigung Präzisionsteile Systemhaus Holzbau Optik'
).split(' ');
const PLACES = 'Süd Nord Rhein Main Neckar Elbe Alb Ruhr Donau Isar Weser Schwaben Franken Baden Hanse'.split(' ');
const LEGAL = ['GmbH', 'GmbH & Co. KG', 'AG', 'KG', 'e.K.', 'SE', 'mbH', 'OHG', 'UG (haftungsbeschränkt)'];

/** German area codes (without the trunk 0); the base numbers of an area all have the length that fills 8 digits. */
const DE_AREAS =
  '711 30 89 40 221 69 211 351 911 7031 7121 6221 531 421 511 341 7531 2241 231 201 621 761 721 228 371 7151 7141 9131'.split(
    ' ',
  );
const AT_AREAS = ['1', '662', '316', '732', '512', '463'];
const DE_MOBILE = '151 152 157 159 160 162 163 170 171 172 173 175 176 177 178 179'.split(' ');

export type CountryKind = 'DE' | 'AT' | 'CH' | 'GB' | 'US' | 'FR' | 'NL';

/** A company: its switchboard contact and its people, who are contiguous contacts. */
export interface Company {
  index: number;
  /** Index of its switchboard contact; its people follow. */
  start: number;
  people: number;
  name: string;
  domain: string;
  country: CountryKind;
  /** E.164 digits of the base number, without '+': '4971112345'. */
  base: string;
  /** Digits of an extension (DE/AT: appended to the base; elsewhere the base's last digits). */
  extLength: number;
  /** The spelling style of this company's phone book (0–7). */
  style: number;
  /** Whether its switchboard is written as a block ('+49 711 12345-0') or as a plain number. */
  block: boolean;
}

/** The companies of N contacts, each with a switchboard contact and 2–8,000 people; unique base numbers. */
export function companiesFor(n: number): Company[] {
  const out: Company[] = [];
  const used = new Set<string>();
  let start = 0;
  for (let j = 0; start < n; j++) {
    const rand = randFor(1, j);
    const r = rand();
    const country: CountryKind =
      r < 0.86 ? 'DE' : r < 0.9 ? 'AT' : r < 0.93 ? 'CH' : r < 0.95 ? 'GB' : r < 0.97 ? 'US' : r < 0.985 ? 'FR' : 'NL';
    const directDial = country === 'DE' || country === 'AT';
    // 1% big companies (300–3,000 people, four-digit extensions), the rest small.
    const big = directDial && rand() < 0.01;
    let people = big ? 300 + Math.floor(rand() * 2700) : 2 + Math.floor(rand() * (rand() < 0.2 ? 300 : 30));
    let extLength = big ? 4 : people < 80 ? 2 : 3;
    if (!directDial) {
      people = Math.min(people, 79);
      extLength = 2;
    }
    people = Math.min(people, n - start - 1);
    let base: string;
    do {
      switch (country) {
        case 'DE': {
          const area = pick(rand, DE_AREAS);
          base = `49${area}${digits(rand, 8 - area.length)}`;
          break;
        }
        case 'AT': {
          const area = pick(rand, AT_AREAS);
          base = `43${area}${digits(rand, 7 - area.length)}`;
          break;
        }
        case 'CH':
          base = `41${pick(rand, ['44', '31', '61', '21', '41', '71'])}${digits(rand, 5)}`;
          break;
        case 'GB':
          base = `44${pick(rand, ['20794', '16149', '11349', '13149'])}${digits(rand, 3, '0123456789')}`;
          break;
        case 'US':
          base = `1${pick(rand, ['212', '415', '617', '312', '206', '646'])}${digits(rand, 5, '23456789')}`;
          break;
        case 'FR':
          base = `33${pick(rand, ['1', '4', '3', '2', '5'])}${digits(rand, 6)}`;
          break;
        default:
          base = `31${pick(rand, ['20', '10', '30', '70', '40'])}${digits(rand, 5)}`;
      }
    } while (used.has(base));
    used.add(base);
    const word = pick(rand, COMPANY_WORDS);
    const name =
      rand() < 0.5
        ? `${pick(rand, SURNAMES)} ${word} ${pick(rand, LEGAL)}`
        : `${word} ${pick(rand, PLACES)} ${pick(rand, LEGAL)}`;
    out.push({
      index: j,
      start,
      people,
      name: `${name}${j % 7 === 0 ? ` ${j}` : ''}`,
      domain: `${ascii(name.split(' ')[0] ?? 'firma')}-${j}.${country === 'GB' ? 'co.uk' : country === 'US' ? 'com' : country.toLowerCase()}`,
      country,
      base,
      extLength,
      style: Math.floor(rand() * 8),
      block: directDial && rand() < 0.7,
    });
    start += 1 + people;
  }
  return out;
}

/** A number of a generated contact: as written, and the E.164 it must normalize to. */
export interface GeneratedNumber {
  type: NumberType;
  raw: string;
  e164: string;
  block?: boolean;
}

const CC: Record<CountryKind, string> = { DE: '49', AT: '43', CH: '41', GB: '44', US: '1', FR: '33', NL: '31' };

/** Extension `ext` on a company's base, spelled in the company's style. */
function companyNumber(c: Company, ext: string): { raw: string; e164: string } {
  const cc = CC[c.country];
  const national = c.base.slice(cc.length);
  if (c.country === 'DE' || c.country === 'AT') {
    // The area codes of each list are prefix-free: the first that fits is it.
    const areas = c.country === 'DE' ? DE_AREAS : AT_AREAS;
    const area = areas.find((a) => national.startsWith(a)) ?? national.slice(0, 3);
    const sub = national.slice(area.length);
    const e164 = `+${c.base}${ext}`;
    switch (c.style) {
      case 0:
        return { raw: `+${cc} ${area} ${sub}-${ext}`, e164 };
      case 1:
        return { raw: `+${cc} (0)${area} ${sub}-${ext}`, e164 };
      case 2:
        return { raw: c.country === 'DE' ? `0${area} ${sub}-${ext}` : `00${cc} ${area} ${sub}-${ext}`, e164 };
      case 3:
        return { raw: c.country === 'DE' ? `0${area}/${sub}-${ext}` : `+${cc} ${area}/${sub}-${ext}`, e164 };
      case 4:
        return { raw: `+${cc} ${area} ${sub}${ext}`, e164 };
      case 5:
        return { raw: `+${cc}-${area}-${sub}-${ext}`, e164 };
      case 6:
        return { raw: c.country === 'DE' ? `(0${area}) ${sub} ${ext}` : `0043 (${area}) ${sub} ${ext}`, e164 };
      default:
        return { raw: `+${cc}${area}${sub}${ext}`, e164 };
    }
  }
  // Fixed-length plans: the extension is the last digits of the national number.
  const full = `${national}${ext}`;
  const e164 = `+${cc}${full}`;
  switch (c.country) {
    case 'CH':
      return {
        raw: `${c.style % 2 ? '+41 (0)' : '+41 '}${full.slice(0, 2)} ${full.slice(2, 5)} ${full.slice(5, 7)} ${full.slice(7)}`,
        e164,
      };
    case 'GB':
      return { raw: `+44 (0)${full.slice(0, 2)} ${full.slice(2, 6)} ${full.slice(6)}`, e164 };
    case 'US':
      return {
        raw:
          c.style % 2
            ? `+1 (${full.slice(0, 3)}) ${full.slice(3, 6)}-${full.slice(6)}`
            : `+1 ${full.slice(0, 3)} ${full.slice(3, 6)} ${full.slice(6)}`,
        e164,
      };
    case 'FR':
      return { raw: `+33 ${full[0]} ${full.slice(1).replace(/(\d\d)(?=\d)/g, '$1 ')}`, e164 };
    default:
      return { raw: `+31 (0)${full.slice(0, 2)} ${full.slice(2, 5)} ${full.slice(5)}`, e164 };
  }
}

/** The highest extension a person can have: a switchboard ends in 0s, the fax in 9s, misses use 9x. */
const personExtension = (c: Company, rank: number) =>
  String((c.extLength === 2 ? 10 : c.extLength === 3 ? 100 : 1000) + rank);

function mobile(rand: () => number, country: CountryKind): { raw: string; e164: string } {
  if (country === 'DE') {
    const prefix = pick(rand, DE_MOBILE);
    const n = digits(rand, prefix.startsWith('15') ? 8 : 7, '0123456789');
    const e164 = `+49${prefix}${n}`;
    const raw = [`+49 ${prefix} ${n}`, `+49 (0)${prefix} ${n}`, `0${prefix}/${n}`, `0049 ${prefix} ${n}`][
      Math.floor(rand() * 4)
    ] as string;
    return { raw: rand() < 0.3 ? `0${prefix}-${n}` : raw, e164 };
  }
  const spell: Record<Exclude<CountryKind, 'DE'>, () => string> = {
    AT: () => `+43 664 ${digits(rand, 7)}`,
    CH: () => `+41 79 ${digits(rand, 3)} ${digits(rand, 2, '0123456789')} ${digits(rand, 2, '0123456789')}`,
    GB: () => `+44 7700 ${digits(rand, 6)}`,
    US: () => `+1 646 ${digits(rand, 3, '23456789')} ${digits(rand, 4, '0123456789')}`,
    FR: () => `+33 6 ${digits(rand, 2)} ${digits(rand, 2)} ${digits(rand, 2)} ${digits(rand, 2)}`,
    NL: () => `+31 6 ${digits(rand, 8)}`,
  };
  const raw = spell[country]();
  return { raw, e164: `+${raw.replace(/\D/g, '')}` };
}

function home(rand: () => number): { raw: string; e164: string } {
  const area = pick(rand, DE_AREAS);
  const n = digits(rand, 9 - area.length);
  return { raw: rand() < 0.5 ? `0${area} ${n}` : `0${area} ${n.slice(0, 3)} ${n.slice(3)}`, e164: `+49${area}${n}` };
}

/** The data set: N contacts, their companies, contact i and the lookup mix. */
export class DirectoryData {
  readonly companies: Company[];

  constructor(readonly n: number) {
    this.companies = companiesFor(n);
  }

  companyOf(i: number): Company {
    let lo = 0;
    let hi = this.companies.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.companies[mid] as Company).start <= i) lo = mid;
      else hi = mid - 1;
    }
    return this.companies[lo] as Company;
  }

  /** Contact i's numbers as written, with the E.164 each must become. */
  numbers(i: number): GeneratedNumber[] {
    const c = this.companyOf(i);
    const rand = randFor(2, i);
    if (i === c.start) {
      // The switchboard: '-0' (a block) or the plain number ending in 0; and the fax ('-99…').
      const zeros = c.country === 'DE' || c.country === 'AT' ? '0' : '0'.repeat(c.extLength);
      const sw = companyNumber(c, zeros);
      const fax = companyNumber(c, '9'.repeat(c.extLength));
      return [
        {
          type: 'work',
          // A block always ends in '-0'; a plain switchboard never does ('0711 12345-0' would be a block).
          raw: c.block ? sw.raw.replace(/[-\s/]?0$/, '-0') : sw.raw.replace(/[-/]0$/, '0'),
          e164: sw.e164,
          ...(c.block && { block: true }),
        },
        { type: 'fax', ...fax },
      ];
    }
    const out: GeneratedNumber[] = [];
    if (rand() < 0.93) out.push({ type: 'work', ...companyNumber(c, personExtension(c, i - c.start - 1)) });
    if (out.length === 0 || rand() < 0.5) out.push({ type: 'mobile', ...mobile(rand, c.country) });
    if (c.country === 'DE' && rand() < 0.12) out.push({ type: 'home', ...home(rand) });
    return out;
  }

  /** Contact i as a source delivers it. */
  contact(i: number): SourceContact {
    const c = this.companyOf(i);
    const numbers = this.numbers(i).map(({ type, raw }) => ({ type, raw }));
    const rand = randFor(3, i);
    if (i === c.start) {
      return {
        externalId: `c${i}`,
        name: `${c.name} Zentrale`,
        givenName: null,
        surname: null,
        company: c.name,
        department: null,
        title: null,
        email: `info@${c.domain}`,
        numbers,
        url: null,
      };
    }
    const given = pick(rand, GIVEN);
    const surname = pick(rand, SURNAMES);
    const [department, titles] = pick(rand, DEPARTMENTS);
    return {
      externalId: `c${i}`,
      name: rand() < 0.3 ? `${surname}, ${given}` : null,
      givenName: given,
      surname,
      company: c.name,
      department: rand() < 0.8 ? department : null,
      title: rand() < 0.6 ? pick(rand, titles) : null,
      email: `${ascii(given)}.${ascii(surname)}.${i}@${c.domain}`,
      numbers,
      url: null,
    };
  }

  /**
   * `count` numbers to look up, as a caller ID presents them ('+4971112345612', '07111234561',
   * '0041446681812'), from offset `from` of the endless deterministic sequence: 90% a stored number
   * (an exact hit), 10% a number that is not stored (an unused extension of a company, so the
   * company search finds its switchboard or block; or an unknown mobile, which finds nothing).
   */
  lookups(from: number, count: number): { number: string; hit: boolean }[] {
    const out: { number: string; hit: boolean }[] = [];
    for (let k = from; k < from + count; k++) {
      const rand = randFor(4, k);
      let e164: string;
      const hit = rand() >= 0.1;
      if (hit) {
        const numbers = this.numbers(Math.floor(rand() * this.n));
        e164 = pick(rand, numbers).e164;
      } else if (rand() < 0.85) {
        const c = pick(rand, this.companies);
        // Extensions starting with 9 (below the fax's 9…9) are never given to a person.
        e164 = `+${c.base}9${digits(rand, c.extLength - 1, '012345678')}`;
      } else {
        e164 = mobile(rand, 'DE').e164;
      }
      out.push({ number: callerId(rand, e164), hit });
    }
    return out;
  }
}

/** How a caller ID arrives: German numbers as +49… or 0…, foreign ones as +… or 00…. */
function callerId(rand: () => number, e164: string): string {
  if (e164.startsWith('+49')) return rand() < 0.6 ? e164 : `0${e164.slice(3)}`;
  return rand() < 0.7 ? e164 : `00${e164.slice(1)}`;
}

/** Entries per chunk of `contactsLdifChunks`. */
const CHUNK = 10_000;

/**
 * LDIF of contacts [0, count) under `peopleDn` for slapd: inetOrgPerson entries with the name
 * fields and every number normalized to E.164 in `telephoneNumber` (the attribute with an
 * equality index), as a directory kept for reverse lookups would hold them. `line` writes one
 * `attr: value` line (base64 where LDIF needs it).
 */
export function* contactsLdifChunks(
  data: DirectoryData,
  count: number,
  peopleDn: string,
  line: (attr: string, value: string) => string,
): Generator<string> {
  let entries: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = data.contact(i);
    const name = c.name ?? `${c.givenName} ${c.surname}`;
    const lines = [
      `dn: uid=${c.externalId},${peopleDn}`,
      'objectClass: inetOrgPerson',
      `uid: ${c.externalId}`,
      line('cn', name),
      line('sn', c.surname ?? c.company ?? name),
    ];
    if (c.givenName) lines.push(line('givenName', c.givenName));
    if (c.company) lines.push(line('o', c.company));
    if (c.department) lines.push(line('ou', c.department));
    if (c.title) lines.push(line('title', c.title));
    if (c.email) lines.push(line('mail', c.email));
    for (const e164 of new Set(data.numbers(i).map((n) => n.e164))) lines.push(`telephoneNumber: ${e164}`);
    entries.push(`${lines.join('\n')}\n`);
    if (entries.length === CHUNK || i === count - 1) {
      yield `${entries.join('\n')}\n`;
      entries = [];
    }
  }
}

/**
 * slapd's database for `count` contacts of DirectoryData (startSlapd options): the map size, the
 * equality indexes the benchmarks search, and, with `keepDir`, kept in `keepDir/slapd-<count>`
 * for the next run as long as the generator (this file, test/support/slapd.ts) is unchanged.
 */
export function slapdDatabase(count: number, keepDir: string | undefined) {
  // The generator: this file and the support file it takes names and the PRNG from.
  const generator = createHash('sha256');
  for (const file of [import.meta.url, new URL('../packages/server/test/support/slapd.ts', import.meta.url)])
    generator.update(readFileSync(fileURLToPath(file)));
  return {
    maxSize: 32 * 1024 ** 3,
    indexes: ['objectClass eq', 'telephoneNumber eq'],
    ...(keepDir && {
      keep: {
        dir: join(keepDir, `slapd-${count}`),
        key: `${count} contacts, generator ${generator.digest('hex').slice(0, 16)}`,
      },
    }),
  };
}
