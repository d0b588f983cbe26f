import type { RouteOutput } from '@parley/api';
import type { ParleyClient } from '../../lib/api';
import { Store } from '../../lib/store';

export { looksLikeNumber } from './phone';

/** One contact as the directory answers it (search or reverse lookup). */
export type Candidate = RouteOutput<'directory.search'>['candidates'][number];
export type LookupResult = RouteOutput<'directory.lookup'>;

export interface DirectoryView {
  search: {
    /** The query the results belong to. */
    q: string;
    status: 'idle' | 'searching' | 'done' | 'failed';
    results: Candidate[];
    error: unknown;
  };
  lookup: {
    /** The number as it was entered. */
    number: string;
    status: 'idle' | 'looking' | 'done' | 'failed';
    result: LookupResult | null;
    /** The server's refusal (an invalid number is a 400 with its reason) or a network failure. */
    error: unknown;
  };
  /** The contact whose card is open. */
  selected: Candidate | null;
}

/** A React key for a contact (the API gives candidates no id). */
export const candidateKey = (c: Candidate): string =>
  [c.source, c.display, c.email ?? '', ...c.numbers.map((n) => n.raw)].join('|');

/** At least this many characters before the typeahead asks the server. */
export const MIN_QUERY = 2;

/**
 * The directory screen: typeahead over every source (`GET /api/v1/directory/search`), reverse
 * lookup (`GET /api/v1/directory/lookup`) and the open contact card. Answers that arrive after a
 * newer question are dropped.
 */
export class DirectoryStore {
  readonly state = new Store<DirectoryView>({
    search: { q: '', status: 'idle', results: [], error: null },
    lookup: { number: '', status: 'idle', result: null, error: null },
    selected: null,
  });
  private searchSeq = 0;
  private lookupSeq = 0;

  constructor(private readonly api: () => ParleyClient) {}

  async search(q: string, limit = 20): Promise<void> {
    const seq = ++this.searchSeq;
    const query = q.trim();
    if (query.length < MIN_QUERY) {
      this.patch({ search: { q: query, status: 'idle', results: [], error: null } });
      return;
    }
    this.state.update((s) => ({ ...s, search: { ...s.search, q: query, status: 'searching', error: null } }));
    try {
      const { candidates } = await this.api().request('directory.search', { query: { q: query, limit } });
      if (seq !== this.searchSeq) return;
      this.patch({ search: { q: query, status: 'done', results: candidates, error: null } });
    } catch (error) {
      if (seq !== this.searchSeq) return;
      this.patch({ search: { q: query, status: 'failed', results: [], error } });
    }
  }

  async lookup(number: string): Promise<void> {
    const seq = ++this.lookupSeq;
    const n = number.trim();
    if (!n) {
      this.patch({ lookup: { number: '', status: 'idle', result: null, error: null } });
      return;
    }
    this.patch({ lookup: { number: n, status: 'looking', result: null, error: null } });
    try {
      const result = await this.api().request('directory.lookup', { query: { number: n } });
      if (seq !== this.lookupSeq) return;
      // The best candidate's card opens at once.
      this.patch({
        lookup: { number: n, status: 'done', result, error: null },
        selected: result.candidates[0] ?? null,
      });
    } catch (error) {
      if (seq !== this.lookupSeq) return;
      this.patch({ lookup: { number: n, status: 'failed', result: null, error } });
    }
  }

  select(candidate: Candidate | null): void {
    this.patch({ selected: candidate });
  }

  private patch(p: Partial<DirectoryView>) {
    this.state.update((s) => ({ ...s, ...p }));
  }
}

const stores = new WeakMap<object, DirectoryStore>();

/** The directory store of a signed-in session, made on first use (it dies with the session). */
export function directoryOf(session: { api: ParleyClient }): DirectoryStore {
  let store = stores.get(session);
  if (!store) {
    store = new DirectoryStore(() => session.api);
    stores.set(session, store);
  }
  return store;
}
