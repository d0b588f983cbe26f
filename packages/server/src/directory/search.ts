// The typeahead: names, companies, e-mail addresses and number fragments found in a tenant's index,
// filtered by visibility, scored (whole words of the name first) and merged like lookup candidates.
import type { IndexedContact, TenantIndex } from './index.js';
import { type Candidate, merge, type SourceMeta, type Viewer, visible } from './lookup.js';
import { words } from './words.js';

/** Typeahead over names, companies, e-mail addresses and number fragments, in a tenant's index. */
export function searchIndex(
  index: TenantIndex,
  meta: Map<string, SourceMeta>,
  query: string,
  viewer: Viewer | null,
  limit: number,
  infix = false,
): Candidate[] {
  const terms = words(query);
  const found = index.search(query, limit, infix).filter((e) => visible(meta.get(e.sourceId), viewer));
  const scored = found.map((entry) => ({ entry, score: searchScore(entry, terms) }));
  return merge(
    scored.map((s) => ({
      entry: s.entry,
      match: 'search' as const,
      score: s.score,
      matched: null,
      uncertain: false,
    })),
    meta,
  ).slice(0, limit);
}

/**
 * The whole directory as `viewer` sees it, in the index's slot order from slot `from`: up to
 * `count` contacts read (fewer candidates when some are not visible or merge), and the slot to go
 * on from (null at the end). Slots change only when sources change, so a listing paged over a
 * sync may miss or repeat a contact, as LDAP servers' paged searches may.
 */
export function listIndex(
  index: TenantIndex,
  meta: Map<string, SourceMeta>,
  viewer: Viewer | null,
  from: number,
  count: number,
): { candidates: Candidate[]; next: number | null } {
  const { entries, next } = index.list(from, count);
  const shown = entries.filter((e) => visible(meta.get(e.sourceId), viewer));
  const candidates = merge(
    shown.map((entry) => ({ entry, match: 'search' as const, score: 0, matched: null, uncertain: false })),
    meta,
  );
  return { candidates, next };
}

/** Typeahead ranking: whole words of the name beat prefixes, names beat companies and the rest. */
function searchScore(entry: IndexedContact, terms: string[]): number {
  const c = entry.contact;
  const name = words(c.name);
  const company = words(c.company);
  let score = 0;
  for (const t of terms) {
    if (name.includes(t)) score += 30;
    else if (name.some((w) => w.startsWith(t))) score += 20;
    else if (company.some((w) => w.startsWith(t))) score += 10;
    else score += 5;
  }
  return Math.min(100, score);
}
