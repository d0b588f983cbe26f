import { type JournalEntry, journalCsvPath, type RouteInput } from '@parley/api';
import type { ParleyClient } from '../../lib/api.js';
import { Store } from '../../lib/store.js';

/** The journal view's filters: all calls or the missed ones, and the search words. */
export interface JournalFilter {
  missed: boolean;
  q: string;
}

export interface JournalState {
  filter: JournalFilter;
  entries: readonly JournalEntry[];
  /** The next page's cursor; null on the last page. */
  cursor: string | null;
  loading: boolean;
  /** Why the last load failed; null when it did not. */
  error: unknown;
}

type JournalQuery = NonNullable<RouteInput<'journal.list'>['query']>;

const queryOf = (f: JournalFilter): Partial<JournalQuery> => ({
  ...(f.missed && { result: 'missed' as const }),
  ...(f.q.trim() !== '' && { q: f.q.trim() }),
});

/** The CSV export of the entries the filter shows (`GET /api/v1/journal.csv`), a link's address. */
export const journalCsvHref = (f: JournalFilter): string => {
  const query = new URLSearchParams(queryOf(f) as Record<string, string>).toString();
  return query ? `${journalCsvPath}?${query}` : journalCsvPath;
};

/**
 * The user's call journal: the filtered list (newest first, paged), and the count of unread missed
 * calls for the navigation's badge. The `journal.*` events keep both live: a new entry reloads the
 * first page, a changed one replaces the listed one, every event brings the count.
 */
export class JournalStore {
  readonly unreadMissed = new Store(0);
  readonly state = new Store<JournalState>({
    filter: { missed: false, q: '' },
    entries: [],
    cursor: null,
    loading: false,
    error: null,
  });

  constructor(private readonly api: () => ParleyClient) {}

  /** The badge's count; failures (offline) wait for the reconnect. */
  async loadUnread(): Promise<void> {
    try {
      this.unreadMissed.set((await this.api().request('journal.unread', {})).unreadMissed);
    } catch {
      // offline: the reconnect loads it again
    }
  }

  /** The first page under `filter` (default: the current one). */
  async load(filter: JournalFilter = this.state.get().filter): Promise<void> {
    this.state.update((s) => ({ ...s, filter, loading: true, error: null }));
    await this.fetch(filter, undefined);
  }

  async more(): Promise<void> {
    const { filter, cursor, loading } = this.state.get();
    if (cursor === null || loading) return;
    this.state.update((s) => ({ ...s, loading: true, error: null }));
    await this.fetch(filter, cursor);
  }

  async update(id: string, body: RouteInput<'journal.update'>['body']): Promise<void> {
    this.replace(await this.api().request('journal.update', { params: { id }, body }));
  }

  async readAll(): Promise<void> {
    this.allRead((await this.api().request('journal.read', {})).unreadMissed);
  }

  apply(
    e:
      | { type: 'journal.created'; unreadMissed: number }
      | { type: 'journal.updated'; entry: JournalEntry; unreadMissed: number }
      | { type: 'journal.read'; unreadMissed: number },
  ): void {
    if (e.type === 'journal.created') {
      this.unreadMissed.set(e.unreadMissed);
      void this.load();
    } else if (e.type === 'journal.updated') {
      this.unreadMissed.set(e.unreadMissed);
      this.replace(e.entry);
    } else this.allRead(e.unreadMissed);
  }

  private async fetch(filter: JournalFilter, cursor: string | undefined): Promise<void> {
    try {
      const page = await this.api().request('journal.list', {
        query: { ...queryOf(filter), ...(cursor && { cursor }) } as JournalQuery,
      });
      // An answer for a filter changed meanwhile is dropped: the newer load shows its own.
      if (this.state.get().filter !== filter) return;
      this.unreadMissed.set(page.unreadMissed);
      this.state.update((s) => ({
        ...s,
        entries: cursor ? [...s.entries, ...page.entries] : page.entries,
        cursor: page.cursor,
        loading: false,
      }));
    } catch (error) {
      if (this.state.get().filter === filter) this.state.update((s) => ({ ...s, loading: false, error }));
    }
  }

  private replace(entry: JournalEntry): void {
    this.state.update((s) => ({ ...s, entries: s.entries.map((e) => (e.id === entry.id ? entry : e)) }));
  }

  private allRead(unreadMissed: number): void {
    this.unreadMissed.set(unreadMissed);
    this.state.update((s) => ({ ...s, entries: s.entries.map((e) => (e.read ? e : { ...e, read: true })) }));
  }
}
