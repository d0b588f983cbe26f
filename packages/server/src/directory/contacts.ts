// A numbering plan's key, and the contacts of sources and of Parley's users with their numbers
// normalized by it (what sync, the index and live lookups store and compare).
import { withoutUnsafe } from '@parley/api';
import { addressOf, type User } from '../core/users/model.js';
import { jsonOnce } from '../lib/json-once.js';
import { type NumberingPlan, normalize } from '../lib/phone-number.js';
import type { ContactNumber, InvalidNumber, StoredContact } from './model.js';
import type { SourceContact } from './source.js';

/** Identifies a numbering plan (stored with a source's entries: the plan they were normalized with). */
export const planKey = (plan: NumberingPlan): string => jsonOnce(plan);

/** A stored contact with its numbers read again, from the text as written, with `plan`. */
export function renormalized(c: StoredContact, plan: NumberingPlan): StoredContact {
  return { ...c, numbers: c.numbers.map((n) => normalizeNumber(n.type, n.raw, plan).number) };
}

/** A user as a contact of the users source. */
export function userContact(u: User, plan: NumberingPlan): StoredContact {
  return {
    externalId: u.id,
    name: u.displayName,
    givenName: null,
    surname: null,
    company: null,
    department: null,
    title: null,
    email: u.email,
    url: null,
    address: addressOf(u),
    numbers: u.numbers.map((raw) => normalizeNumber('work', raw, plan).number),
  };
}

function normalizeNumber(type: ContactNumber['type'], raw: string, plan: NumberingPlan) {
  const n = normalize(raw, plan);
  // Written as `+49 711 1234-0`: the switchboard of a block of extensions.
  const number: ContactNumber = { type, raw, e164: n.ok ? n.e164 : null, ...(n.ok && n.blockBase && { block: true }) };
  return { number, reason: n.ok ? null : n.reason };
}

/**
 * Normalizes a source's contact; numbers that cannot be understood are kept (raw) and reported, with
 * where a file source read them.
 */
export function normalizeContact(
  c: SourceContact,
  plan: NumberingPlan,
): { contact: StoredContact; invalid: InvalidNumber[] } {
  const invalidNumbers: InvalidNumber[] = [];
  const numbers = c.numbers.map(({ type, raw, origin }) => {
    const { number, reason } = normalizeNumber(type, raw, plan);
    if (reason !== null) {
      const where = origin && { line: origin.line, field: withoutUnsafe(origin.field, 'line') };
      invalidNumbers.push({ raw: withoutUnsafe(raw, 'line'), reason, ...where });
    }
    return number;
  });
  const safe = withSafeText(c);
  const name = safe.name ?? ([safe.givenName, safe.surname].filter(Boolean).join(' ') || null);
  return { contact: { ...safe, name, numbers }, invalid: invalidNumbers };
}

/** The fields of a contact that people read on a call or in the directory. */
type ShownText = Pick<SourceContact, 'name' | 'givenName' | 'surname' | 'company' | 'department' | 'title'>;

/**
 * The contact with its shown fields cleaned of the characters the text rule refuses: what a source
 * says is shown on incoming calls, and no character may reorder or hide it (docs/security.md).
 */
export function withSafeText<T extends ShownText>(c: T): T {
  const clean = (v: string | null) => (v === null ? null : withoutUnsafe(v, 'line'));
  return {
    ...c,
    name: clean(c.name),
    givenName: clean(c.givenName),
    surname: clean(c.surname),
    company: clean(c.company),
    department: clean(c.department),
    title: clean(c.title),
  };
}
