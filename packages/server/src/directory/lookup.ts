// Reverse lookup ranking: exact, company (switchboard, block) and prefix hits scored, the same person
// from several sources merged into one candidate, visibility per source and viewer.
import type { Hit, IndexedContact, TenantIndex } from './index.js';
import type { ContactNumber, MatchKind, StoredContact, Visibility } from './model.js';

/** Who is asking: what they may see depends on their role and on each source's visibility. */
export interface Viewer {
  userId: string;
  role: string;
}

export interface Candidate {
  name: string | null;
  /** The source's given name and surname, where it has them apart (the LDAP phone book's givenName and sn). */
  givenName: string | null;
  surname: string | null;
  /** What to show: the name, or `~Company` for an uncertain company match. */
  display: string;
  company: string | null;
  department: string | null;
  title: string | null;
  email: string | null;
  url: string | null;
  /** A Parley user's address (local@domain) when the contact is one. */
  address: string | null;
  numbers: ContactNumber[];
  match: MatchKind | 'search';
  /** 100 exact; 80/70/60 the switchboard with 1/2/3 digits replaced, 75 a block; below 50 a prefix. */
  score: number;
  uncertain: boolean;
  /** The number of the contact that matched. */
  matched: string | null;
  /** The most important source the contact came from, and all of them. */
  source: string;
  sources: string[];
}

export interface LookupResult {
  number: string;
  /** The number as people write it (national in the plan's country, DIN 5008 direct dial). */
  display: string;
  /** How the number was understood: a full number or an internal extension. */
  kind: 'e164' | 'extension';
  candidates: Candidate[];
}

export interface SourceMeta {
  name: string;
  priority: number;
  visibleTo: Visibility | null;
}

/** Adds, for each exact hit with an e-mail address, the same person from other sources (to fill fields). */
export function withSamePeople(index: TenantIndex, hits: Hit[]): Hit[] {
  let seen: Set<number> | undefined;
  const more: Hit[] = [];
  for (const h of hits) {
    const email = h.match === 'exact' ? h.entry.contact.email : null;
    if (!email) continue;
    const same = index.withEmail(email, h.entry);
    if (same.length === 1 && same[0]?.id === h.entry.id) continue; // the usual case: itself only
    seen ??= new Set(hits.map((x) => x.entry.id));
    for (const entry of same) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      more.push({ ...h, entry });
    }
  }
  return more.length === 0 ? hits : [...hits, ...more];
}

export function visible(meta: SourceMeta | undefined, viewer: Viewer | null): boolean {
  if (!meta) return false;
  const v = meta.visibleTo;
  if (!v || viewer === null) return true;
  return (v.roles?.includes(viewer.role) ?? false) || (v.users?.includes(viewer.userId) ?? false);
}

const baseScore = (h: Hit) =>
  h.match === 'exact'
    ? 100
    : h.match === 'company'
      ? h.stripped === 0
        ? 75
        : 90 - 10 * h.stripped
      : Math.max(10, 50 - h.stripped);

export function rank(hits: Hit[], meta: Map<string, SourceMeta>): Candidate[] {
  return merge(
    hits.map((h) => ({
      entry: h.entry,
      match: h.match,
      score: baseScore(h),
      matched: h.number,
      uncertain: h.match !== 'exact',
    })),
    meta,
  );
}

interface Scored {
  entry: IndexedContact;
  match: MatchKind | 'search';
  score: number;
  matched: string | null;
  uncertain: boolean;
}

/**
 * One candidate per person (the same e-mail, or the same name with the same number, in several
 * sources) and, for company matches, one per company; the more important source wins per field.
 * Best first: score, then source priority, then name.
 */
export function merge(scored: Scored[], meta: Map<string, SourceMeta>): Candidate[] {
  const groups = new Map<string, Ranked[]>();
  for (const s of scored) {
    const c = s.entry.contact;
    const k =
      s.match === 'company' || s.match === 'prefix'
        ? `${s.match} ${(c.company ?? c.name ?? '').toLowerCase()}`
        : c.email
          ? `email ${c.email.toLowerCase()}`
          : `name ${(c.name ?? '').toLowerCase()} ${s.matched ?? c.externalId}`;
    const priority = meta.get(s.entry.sourceId)?.priority ?? 1000;
    const ranked: Ranked = {
      entry: s.entry,
      match: s.match,
      score: s.score,
      matched: s.matched,
      uncertain: s.uncertain,
      priority,
    };
    const list = groups.get(k);
    if (list) list.push(ranked);
    else groups.set(k, [ranked]);
  }
  const out: { candidate: Candidate; priority: number }[] = [];
  for (const group of groups.values()) {
    if (group.length > 1) group.sort(bestFirst);
    let priority = Number.POSITIVE_INFINITY;
    for (const g of group) priority = Math.min(priority, g.priority);
    out.push({ candidate: candidateOf(group, meta), priority });
  }
  if (out.length > 1) out.sort(rankFirst);
  return out.map(candidateIn);
}

interface Ranked extends Scored {
  /** Of its source: lower is more important. */
  priority: number;
}

const bestFirst = (a: Ranked, b: Ranked) => b.score - a.score || a.priority - b.priority;
const candidateIn = (o: { candidate: Candidate }) => o.candidate;
/** Best first: score, then source priority, then name in German order. */
const rankFirst = (a: { candidate: Candidate; priority: number }, b: { candidate: Candidate; priority: number }) =>
  b.candidate.score - a.candidate.score ||
  a.priority - b.priority ||
  byName.compare(a.candidate.display ?? '', b.candidate.display ?? '');

/** The first value of a field in the group (best first) that is not empty. */
function field<K extends keyof StoredContact>(group: Ranked[], k: K): StoredContact[K] | null {
  for (const g of group) {
    const v = g.entry.contact[k];
    if (v !== null && v !== undefined && v !== '') return v;
  }
  return null;
}

/** One person (or company) from the group's entries, best first: the more important source wins per field. */
function candidateOf(group: Ranked[], meta: Map<string, SourceMeta>): Candidate {
  const best = group[0] as Ranked;
  const company = field(group, 'company');
  const name = best.match === 'company' ? (company ?? field(group, 'name')) : field(group, 'name');
  const numbers = new Map<string, ContactNumber>();
  const sources: string[] = [];
  let address: string | null = null;
  for (const g of group) {
    for (const n of g.entry.contact.numbers) {
      const k = n.e164 ?? n.raw;
      if (!numbers.has(k)) numbers.set(k, n);
    }
    const source = meta.get(g.entry.sourceId)?.name ?? g.entry.sourceId;
    if (!sources.includes(source)) sources.push(source);
    address ??= g.entry.contact.address || null;
  }
  const person = best.match !== 'company';
  return {
    name,
    givenName: person ? field(group, 'givenName') : null,
    surname: person ? field(group, 'surname') : null,
    display: best.uncertain ? `~${company ?? name ?? ''}` : (name ?? company ?? ''),
    company,
    department: person ? field(group, 'department') : null,
    title: person ? field(group, 'title') : null,
    email: person ? field(group, 'email') : null,
    url: field(group, 'url'),
    address,
    numbers: [...numbers.values()],
    match: best.match,
    score: best.score,
    uncertain: best.uncertain,
    matched: best.matched,
    source: sources[0] as string,
    sources,
  };
}

/** German order of names (one collator: `localeCompare` with a locale builds one per call). */
const byName = new Intl.Collator('de');
