// What a dialled string means for a tenant's lines, under its numbering plan. Pure functions.
//
// A line answers to strings dialled exactly (its extension; its DID's digits without '+', as some
// trunks send them) and to every spelling of an E.164 number it owns (its DID; with a PBX base in
// the plan, the base followed by its extension: direct dial). `LineService.resolve` tries them in
// that order; `sharedDialling` finds a string two lines would both answer to, which the service
// refuses, so the order only matters after the numbering plan changed.
import { type NumberingPlan, normalize } from '../../lib/phone-number.js';
import type { Line } from './model.js';

const DIGITS = /^\d+$/;
const EXTENSION = /^\d{1,15}$/;

/** True for a string of ASCII digits only: what may match an extension exactly. */
export const isDigits = (s: string) => DIGITS.test(s);

/** Why `number` cannot be an extension under `plan`, or undefined when it can. */
export function extensionProblem(number: string, plan: NumberingPlan): string | undefined {
  if (!EXTENSION.test(number)) return 'an extension is 1 to 15 digits';
  if (plan.exitPrefix !== '' && number.startsWith(plan.exitPrefix))
    return `starts with the exit prefix ${plan.exitPrefix}: dialled, it is an international number`;
  if (plan.trunkPrefix !== '' && number.startsWith(plan.trunkPrefix))
    return `starts with the trunk prefix ${plan.trunkPrefix}: dialled, it is a national number`;
  const range = plan.extensionLength;
  if (range && (number.length < range.min || number.length > range.max)) {
    const digits = range.min === range.max ? `${range.min}` : `${range.min} to ${range.max}`;
    return `the numbering plan's extensions have ${digits} digits`;
  }
  return undefined;
}

/** A DID in any spelling the plan reads, as E.164, or why it is not one. */
export function readDid(raw: string, plan: NumberingPlan): { e164: string } | { reason: string } {
  const n = normalize(raw, plan);
  if (!n.ok) return { reason: n.reason };
  if (n.kind === 'extension') return { reason: 'an internal extension, not a direct number' };
  return { e164: n.e164 };
}

/** The E.164 number a dialled string means under the plan, if any. */
export function dialledE164(dialled: string, plan: NumberingPlan): string | undefined {
  const n = normalize(dialled, plan);
  return n.ok ? n.e164 : undefined;
}

/** The plan's PBX base as E.164 and its extension lengths, when it has both. */
function directDial(plan: NumberingPlan) {
  if (!plan.pbxBase || !plan.extensionLength) return undefined;
  return { base: `+${plan.pbxBase.replace(/\D/g, '')}`, ...plan.extensionLength };
}

/** The extension an E.164 number reaches through the plan's PBX base ('+49711123456' + '201'), if any. */
export function directDialExtension(e164: string, plan: NumberingPlan): string | undefined {
  const d = directDial(plan);
  if (!d || !e164.startsWith(d.base)) return undefined;
  const rest = e164.slice(d.base.length);
  return isDigits(rest) && rest.length >= d.min && rest.length <= d.max ? rest : undefined;
}

/** The strings a line answers to: `exact` as dialled, `e164` in any spelling of that number. */
export function claimsOf(line: Pick<Line, 'number' | 'did'>, plan: NumberingPlan) {
  const exact = [line.number];
  const e164: string[] = [];
  if (line.did !== null) {
    exact.push(line.did.slice(1));
    e164.push(line.did);
  }
  const d = directDial(plan);
  if (d && line.number.length >= d.min && line.number.length <= d.max) e164.push(`${d.base}${line.number}`);
  return { exact, e164 };
}

/** A dialled string both lines would answer to, or undefined when none exists. */
export function sharedDialling(
  a: Pick<Line, 'number' | 'did'>,
  b: Pick<Line, 'number' | 'did'>,
  plan: NumberingPlan,
): string | undefined {
  const ca = claimsOf(a, plan);
  const cb = claimsOf(b, plan);
  const means = (x: string, e164: string[]) => {
    const n = dialledE164(x, plan);
    return n !== undefined && e164.includes(n);
  };
  return (
    ca.exact.find((x) => cb.exact.includes(x) || means(x, cb.e164)) ??
    cb.exact.find((x) => means(x, ca.e164)) ??
    ca.e164.find((x) => cb.e164.includes(x))
  );
}
