import { type Colleague, FAVOURITES_MAX, type User } from '@parley/api';
import { ParleyApiError, type ParleyClient } from '../../lib/api';
import { local } from '../../lib/local';
import { Store } from '../../lib/store';

/** A colleague: a Parley user of the tenant. */
export interface Contact {
  address: string;
  name: string;
  numbers: string[];
  email: string | null;
}

/** A list of colleagues from the server, by name, as far as its pages are loaded. */
export interface ColleaguePages {
  /** The search these are for; '' is everyone. */
  q: string;
  addresses: readonly string[];
  /** Where the next page starts; null once the last page is here. */
  cursor: string | null;
  status: 'loading' | 'done' | 'failed';
}

export interface ContactsView {
  /** Every colleague the app has met: the colleague list, favourites, conversations, searches. */
  known: Readonly<Record<string, Contact>>;
  /** The user's favourites (addresses), kept on the server. */
  favourites: readonly string[];
  /** Why the last change of the favourites was refused or undone, until dismissed. */
  favouritesError: 'full' | 'failed' | null;
  /** Everyone in the tenant by name. */
  everyone: ColleaguePages;
  /** The server's answer to the current search, when the loaded list cannot answer it alone. */
  matches: ColleaguePages | null;
}

/** Colleagues per request; one presence batch. */
export const PAGE_SIZE = 200;

const fromColleague = (c: Colleague): Contact => ({
  address: c.address,
  name: c.label,
  numbers: c.numbers,
  email: c.email,
});

const emptyPages = (q: string): ColleaguePages => ({ q, addresses: [], cursor: null, status: 'loading' });

/**
 * The colleague list: everyone in the tenant (`GET /api/v1/users`, a page at a time, searched on
 * the server once the list is too long to be here whole) and the user's favourites
 * (`/api/v1/me/favourites`), changed optimistically and kept in step with the user's other
 * clients by `favourites.updated`.
 */
export class ContactsStore {
  readonly state: Store<ContactsView>;
  /** The favourites as the server last confirmed them: what a failed change returns to. */
  private confirmed: readonly string[] = [];
  /** How many of the server's answers about the favourites have been taken: a later one wins. */
  private answers = 0;
  private saving = false;
  /** The favourites changed again while a save was on its way. */
  private dirty = false;
  /** Another client changed them while a save was on its way: ask again afterwards. */
  private changedElsewhere = false;
  private loadingMore = false;

  constructor(
    private readonly api: () => ParleyClient,
    private readonly me: () => User,
    private readonly onLearned: (addresses: string[]) => void,
  ) {
    this.state = new Store<ContactsView>({
      known: {},
      favourites: [],
      favouritesError: null,
      everyone: emptyPages(''),
      matches: null,
    });
  }

  /** Before favourites lived on the server, this browser kept them here. */
  private legacyKey() {
    return `parley.favourites.${this.me().address}`;
  }

  async load(): Promise<void> {
    await Promise.all([this.loadFavourites(), this.loadPage('')]);
  }

  /** After a reconnect: what changed meanwhile (favourites), and what had failed. */
  refresh(): void {
    void this.loadFavourites();
    const { everyone, matches } = this.state.get();
    if (everyone.status === 'failed') void this.loadPage('', everyone.addresses.length > 0);
    if (matches?.status === 'failed') void this.loadPage(matches.q, matches.addresses.length > 0);
  }

  /** Adds (or refreshes) colleagues the app came across, and shows their presence. */
  learn(contacts: Contact[]): void {
    const fresh = this.remember(contacts);
    if (fresh.length > 0) this.onLearned(fresh);
  }

  /** Adds colleagues to `known` without watching their presence (rows watch what is on screen). */
  private remember(contacts: Contact[]): string[] {
    const me = this.me().address;
    const fresh = contacts.filter((c) => c.address !== me);
    if (fresh.length === 0) return [];
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
    return fresh.map((c) => c.address);
  }

  // Colleagues ------------------------------------------------------------------------------------

  /**
   * The search typed into the list. Everyone loaded: filtered here, no request. Otherwise the
   * server answers (meanwhile the loaded ones that match are shown).
   */
  search(q: string): void {
    const query = q.trim();
    const { everyone, matches } = this.state.get();
    if (query === '' || (everyone.status === 'done' && everyone.cursor === null)) {
      if (matches !== null) this.state.update((s) => ({ ...s, matches: null }));
      return;
    }
    if (matches?.q === query && matches.status !== 'failed') return;
    void this.loadPage(query);
  }

  /** The next page of the list on screen (everyone, or the current search), if there is one. */
  more(): void {
    const { everyone, matches } = this.state.get();
    const list = matches ?? everyone;
    if (list.status !== 'done' || list.cursor === null || this.loadingMore) return;
    this.loadingMore = true;
    void this.loadPage(list.q, true).finally(() => {
      this.loadingMore = false;
    });
  }

  private async loadPage(q: string, next = false): Promise<void> {
    const current = () => {
      const s = this.state.get();
      return q === '' ? s.everyone : s.matches?.q === q ? s.matches : null;
    };
    const set = (pages: ColleaguePages) =>
      this.state.update((s) =>
        q === '' ? { ...s, everyone: pages } : !next || s.matches?.q === q ? { ...s, matches: pages } : s,
      );
    const before = current();
    const cursor = next ? before?.cursor : null;
    if (next && !cursor) return;
    set(next && before ? { ...before, status: 'loading' } : emptyPages(q));
    try {
      const page = await this.api().request('users.list', {
        query: { limit: PAGE_SIZE, ...(q !== '' && { q }), ...(cursor && { cursor }) },
      });
      const latest = current();
      // The search changed meanwhile: this answer is for nobody.
      if (q !== '' && latest === null) return;
      this.remember(page.users.map(fromColleague));
      const addresses = page.users.map((u) => u.address);
      set({
        q,
        addresses: next && latest ? [...latest.addresses, ...addresses] : addresses,
        cursor: page.cursor,
        status: 'done',
      });
      // Everyone is here now: searches need the server no more.
      if (q === '' && page.cursor === null) this.state.update((s) => ({ ...s, matches: null }));
    } catch {
      const latest = current();
      if (q !== '' && latest === null) return;
      set({ ...(latest ?? emptyPages(q)), status: 'failed' });
    }
  }

  // Favourites ------------------------------------------------------------------------------------

  private async loadFavourites(): Promise<void> {
    const asked = this.answers;
    try {
      const { favourites } = await this.api().request('me.favourites.get', {});
      if (this.saving) {
        this.changedElsewhere = true;
        return;
      }
      // A newer answer (a save, another load) arrived while this one was on its way.
      if (this.answers !== asked) return;
      this.applyFavourites(favourites);
      await this.uploadLegacy();
    } catch {
      // offline: the reconnect loads them again
    }
  }

  /**
   * Once per browser: favourites this browser kept before they lived on the server are added to
   * the server's (those that are no colleagues any more are dropped), then forgotten here.
   */
  private async uploadLegacy(): Promise<void> {
    const key = this.legacyKey();
    const saved = local.getJson<unknown>(key, null);
    if (saved === null) return;
    const legacy = Array.isArray(saved)
      ? saved.flatMap((e: unknown) => {
          const a = typeof e === 'string' ? e : (e as { address?: unknown } | null)?.address;
          return typeof a === 'string' ? [a.toLowerCase()] : [];
        })
      : [];
    let wanted = [...new Set([...this.confirmed, ...legacy])].slice(0, FAVOURITES_MAX);
    if (wanted.length === this.confirmed.length) {
      local.set(key, null);
      return;
    }
    // Each refusal names one entry that is no colleague (any more): without it, try again.
    for (let attempt = 0; attempt <= legacy.length; attempt++) {
      try {
        const { favourites } = await this.api().request('me.favourites.set', { body: { favourites: wanted } });
        this.applyFavourites(favourites);
        local.set(key, null);
        return;
      } catch (err) {
        const bad = err instanceof ParleyApiError ? badEntry(err) : null;
        if (err instanceof ParleyApiError && err.status === 400 && bad === null) {
          local.set(key, null); // nothing here the server would take
          return;
        }
        if (bad === null) return; // offline or failing: next sign-in tries again
        wanted = wanted.filter((_, i) => i !== bad);
      }
    }
  }

  /** The whole list from the server (an answer, or `favourites.updated` from another client). */
  applyFavourites(favourites: Colleague[]): void {
    this.confirm(favourites);
    this.state.update((s) => ({ ...s, favourites: this.confirmed }));
  }

  /** Takes the server's answer as what a failed change returns to. */
  private confirm(favourites: Colleague[]): void {
    this.answers++;
    this.confirmed = favourites.map((f) => f.address);
    this.learn(favourites.map(fromColleague));
  }

  /** `favourites.updated`: another client (or this one's own save) changed them. */
  favouritesChanged(favourites: Colleague[]): void {
    if (this.saving) {
      this.changedElsewhere = true;
      return;
    }
    this.applyFavourites(favourites);
  }

  /** Stars or unstars a colleague at once; saved in the background, undone if the server refuses. */
  toggleFavourite(address: string): void {
    const { favourites } = this.state.get();
    const adding = !favourites.includes(address);
    if (adding && favourites.length >= FAVOURITES_MAX) {
      this.state.update((s) => ({ ...s, favouritesError: 'full' }));
      return;
    }
    this.state.update((s) => ({
      ...s,
      favouritesError: null,
      favourites: adding ? [...s.favourites, address] : s.favourites.filter((a) => a !== address),
    }));
    void this.save();
  }

  dismissError(): void {
    this.state.update((s) => ({ ...s, favouritesError: null }));
  }

  /** One save at a time; changes made meanwhile go in the next one. */
  private async save(): Promise<void> {
    if (this.saving) {
      this.dirty = true;
      return;
    }
    this.saving = true;
    try {
      do {
        this.dirty = false;
        const wanted = [...this.state.get().favourites];
        const { favourites } = await this.api().request('me.favourites.set', { body: { favourites: wanted } });
        this.confirm(favourites);
        if (!this.dirty) this.state.update((s) => ({ ...s, favourites: this.confirmed }));
      } while (this.dirty);
    } catch {
      this.state.update((s) => ({ ...s, favourites: this.confirmed, favouritesError: 'failed' }));
    } finally {
      this.saving = false;
      this.dirty = false;
    }
    if (this.changedElsewhere) {
      this.changedElsewhere = false;
      await this.loadFavourites();
    }
  }
}

/** The index of the refused entry in a 400 for `favourites`, if it names one. */
function badEntry(err: ParleyApiError): number | null {
  for (const d of err.details ?? []) {
    const m = /^body\.favourites\.(\d+)$/.exec(d.path);
    if (m) return Number(m[1]);
  }
  return null;
}
