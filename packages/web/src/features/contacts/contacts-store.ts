import type { RouteOutput, User } from '@parley/api';
import type { ParleyClient } from '../../lib/api';
import { local } from '../../lib/local';
import { Store } from '../../lib/store';

/** A colleague: a Parley user of the tenant. */
export interface Contact {
  address: string;
  name: string;
  numbers: string[];
  email: string | null;
}

export interface SearchState {
  q: string;
  status: 'idle' | 'searching' | 'done' | 'failed';
  results: Contact[];
}

export interface ContactsView {
  /** Every colleague the app has met: conversations, favourites, searches, the admin's user list. */
  known: Readonly<Record<string, Contact>>;
  favourites: readonly string[];
  search: SearchState;
}

const fromUser = (u: User): Contact => ({
  address: u.address,
  name: u.displayName,
  numbers: u.numbers,
  email: u.email,
});

type Candidate = RouteOutput<'directory.search'>['candidates'][number];

const fromCandidate = (c: Candidate): Contact | null =>
  c.address
    ? { address: c.address, name: c.name ?? c.display, numbers: c.numbers.map((n) => n.raw), email: c.email }
    : null;

/**
 * The colleagues list. The API has no "colleagues" listing for ordinary users: the app gathers
 * them from conversation members, the directory search (its `users` source) and favourites kept
 * in this browser; administrators also get the tenant's user list.
 */
export class ContactsStore {
  readonly state: Store<ContactsView>;
  private searchSeq = 0;

  constructor(
    private readonly api: () => ParleyClient,
    private readonly me: () => User,
    private readonly onLearned: (addresses: string[]) => void,
  ) {
    const favourites = local.getJson<Contact[]>(this.favouritesKey(), []);
    this.state = new Store<ContactsView>({
      known: Object.fromEntries(favourites.map((c) => [c.address, c])),
      favourites: favourites.map((c) => c.address),
      search: { q: '', status: 'idle', results: [] },
    });
  }

  private favouritesKey() {
    return `parley.favourites.${this.me().address}`;
  }

  async load(): Promise<void> {
    this.onLearned([...this.state.get().favourites]);
    if (this.me().role === 'user') return;
    try {
      const { users } = await this.api().request('admin.users.list', { query: { limit: 500 } });
      this.learn(users.filter((u) => !u.disabled).map(fromUser));
    } catch {
      // not essential: the other sources still fill the list
    }
  }

  /** Adds (or refreshes) colleagues the app came across. */
  learn(contacts: Contact[]): void {
    const me = this.me().address;
    const fresh = contacts.filter((c) => c.address !== me);
    if (fresh.length === 0) return;
    this.state.update((s) => {
      const known = { ...s.known };
      for (const c of fresh) {
        const prev = known[c.address];
        known[c.address] = prev
          ? { ...prev, name: c.name || prev.name, numbers: c.numbers.length ? c.numbers : prev.numbers }
          : c;
      }
      return { ...s, known };
    });
    this.onLearned(fresh.map((c) => c.address));
  }

  toggleFavourite(address: string): void {
    this.state.update((s) => {
      const favourites = s.favourites.includes(address)
        ? s.favourites.filter((a) => a !== address)
        : [...s.favourites, address];
      local.set(this.favouritesKey(), JSON.stringify(favourites.flatMap((a) => (s.known[a] ? [s.known[a]] : []))));
      return { ...s, favourites };
    });
  }

  /** Typeahead over the directory; keeps only Parley users (those with an address). */
  async search(q: string): Promise<void> {
    const seq = ++this.searchSeq;
    const query = q.trim();
    if (query.length < 2) {
      this.state.update((s) => ({ ...s, search: { q: query, status: 'idle', results: [] } }));
      return;
    }
    this.state.update((s) => ({ ...s, search: { q: query, status: 'searching', results: s.search.results } }));
    try {
      const { candidates } = await this.api().request('directory.search', { query: { q: query, limit: 30 } });
      if (seq !== this.searchSeq) return;
      const results = candidates.flatMap((c) => fromCandidate(c) ?? []).filter((c) => c.address !== this.me().address);
      this.learn(results);
      this.state.update((s) => ({ ...s, search: { q: query, status: 'done', results } }));
    } catch {
      if (seq !== this.searchSeq) return;
      this.state.update((s) => ({ ...s, search: { q: query, status: 'failed', results: [] } }));
    }
  }
}
