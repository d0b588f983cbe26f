import type { PresenceInfo, PresenceState, RouteInput, RouteOutput } from '@parley/api';
import type { ParleyClient } from '../../lib/api';
import { Store } from '../../lib/store';

/** A colleague's presence; `text` is the server's rendering, null while a newer state awaits it. */
export type PresenceEntry = PresenceState & { text: string | null };
/** The user's own presence: computed result, manual input, calendar state. */
export type MyPresence = RouteOutput<'presence.me.get'>;
export type ManualPresenceInput = RouteInput<'presence.me.set'>['body'];

export interface PresenceView {
  byUser: Readonly<Record<string, PresenceEntry>>;
  mine: MyPresence | null;
}

const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const BATCH = 200;

const entryOf = (p: PresenceInfo): PresenceEntry => ({
  availability: p.availability,
  flags: p.flags,
  context: p.context,
  note: p.note,
  until: p.until,
  since: p.since,
  nextAppointment: p.nextAppointment,
  text: p.text,
});

/**
 * Presence of the colleagues on screen and of the user. `presence.changed` events update a badge
 * at once; the server's text for the new state (in the user's language and time zone) follows in
 * one batched `GET /api/v1/presence`.
 */
export class PresenceStore {
  readonly state = new Store<PresenceView>({ byUser: {}, mine: null });
  private readonly watched = new Set<string>();
  private readonly due = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: () => ParleyClient,
    private readonly me: () => string,
  ) {}

  /** Starts showing these users; fetches those not known yet. */
  watch(addresses: Iterable<string>): void {
    for (const a of addresses) {
      if (this.watched.has(a)) continue;
      this.watched.add(a);
      this.due.add(a);
    }
    this.schedule();
  }

  /** A `presence.changed` event. */
  apply(user: string, presence: PresenceState): void {
    this.state.update((s) => ({ ...s, byUser: { ...s.byUser, [user]: { ...presence, text: null } } }));
    // The server pushes every colleague's changes; only those on screen are worth a text request.
    if (!this.watched.has(user)) return;
    this.due.add(user);
    this.schedule(50);
    if (user === this.me()) void this.loadMine();
  }

  /** After a reconnect, a resync or a language change: everything again. */
  refreshAll(): void {
    for (const a of this.watched) this.due.add(a);
    this.schedule(0);
    void this.loadMine();
  }

  /** Fetches the user's own presence; failures (offline) wait for the next refresh. */
  async loadMine(): Promise<void> {
    try {
      this.setMine(await this.api().request('presence.me.get', { query: { tz: timeZone() } }));
    } catch {
      // offline: the reconnect refreshes it
    }
  }

  /** Sets the manual presence (replacing the previous one). */
  async save(body: ManualPresenceInput): Promise<void> {
    this.setMine(await this.api().request('presence.me.set', { query: { tz: timeZone() }, body }));
  }

  /** Clears the manual presence: back to what phone, calendar and apps say. */
  async reset(): Promise<void> {
    await this.api().request('presence.me.clear', {});
    await this.loadMine();
  }

  private setMine(mine: MyPresence) {
    const me = this.me();
    this.state.update((s) => ({ mine, byUser: { ...s.byUser, [me]: entryOf(mine.presence) } }));
  }

  private schedule(delay = 20) {
    if (this.due.size === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delay);
  }

  private async flush() {
    const users = [...this.due];
    this.due.clear();
    for (let i = 0; i < users.length; i += BATCH) {
      const chunk = users.slice(i, i + BATCH);
      try {
        const { presence } = await this.api().request('presence.list', {
          query: { users: chunk.join(','), tz: timeZone() },
        });
        this.state.update((s) => {
          const byUser = { ...s.byUser };
          for (const p of presence) byUser[p.user] = entryOf(p);
          return { ...s, byUser };
        });
      } catch {
        // offline: the reconnect refreshes everything
        for (const u of chunk) this.due.add(u);
      }
    }
  }
}
