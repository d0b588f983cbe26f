// XMPP addresses (RFC 7622): `local@domain/resource`. A Parley user's JID is their address
// (DESIGN §3: one identity, one address). Comparison is on the prepared form: the localpart and
// domain case-folded (UsernameCaseMapped, IDNA2008 lower case), all parts NFC, each part ≤ 1023
// bytes; characters RFC 7622 forbids in a localpart are refused.

/** A parsed, prepared JID. */
export interface Jid {
  local: string | null;
  domain: string;
  resource: string | null;
}

const MAX_PART_BYTES = 1023;
// RFC 7622 §3.3.1: `"&'/:<>@` and spaces are not allowed in a localpart.
const LOCAL_FORBIDDEN = /[\s"&'/:<>@]/u;
const DOMAIN_FORBIDDEN = /[\s"&'/:<>@\\]/u;
const hasControl = (s: string) => [...s].some((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f');

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const okLength = (s: string) => s.length > 0 && bytes(s) <= MAX_PART_BYTES;

/** Parses and prepares a JID; null when it is not a valid one. */
export function parseJid(input: string): Jid | null {
  const slash = input.indexOf('/');
  const bare = slash === -1 ? input : input.slice(0, slash);
  const resourceRaw = slash === -1 ? null : input.slice(slash + 1);
  const at = bare.lastIndexOf('@');
  const localRaw = at === -1 ? null : bare.slice(0, at);
  let domain = (at === -1 ? bare : bare.slice(at + 1)).normalize('NFC').toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);
  if (!okLength(domain) || DOMAIN_FORBIDDEN.test(domain) || hasControl(domain)) return null;
  let local: string | null = null;
  if (localRaw !== null) {
    local = localRaw.normalize('NFC').toLowerCase();
    if (!okLength(local) || LOCAL_FORBIDDEN.test(local) || hasControl(local)) return null;
  }
  let resource: string | null = null;
  if (resourceRaw !== null) {
    resource = resourceRaw.normalize('NFC');
    if (!okLength(resource) || hasControl(resource)) return null;
  }
  return { local, domain, resource };
}

/** `local@domain` (or `domain`). */
export const bareJid = (j: Pick<Jid, 'local' | 'domain'>): string =>
  j.local === null ? j.domain : `${j.local}@${j.domain}`;

/** `local@domain/resource` (or the bare form when there is no resource). */
export const formatJid = (j: Jid): string => (j.resource === null ? bareJid(j) : `${bareJid(j)}/${j.resource}`);

/** Whether two JIDs name the same entity (bare: ignore resources). */
export function sameJid(a: Jid, b: Jid, bare = false): boolean {
  return a.local === b.local && a.domain === b.domain && (bare || a.resource === b.resource);
}
