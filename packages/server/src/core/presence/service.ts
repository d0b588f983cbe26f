import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import type { EventOf } from '../events.js';
import { addressOf } from '../users/model.js';
import type { UserService } from '../users/service.js';
import {
  aggregate,
  type CallSettingsInput,
  type LineInput,
  type ManualInput,
  noInputs,
  offlinePresence,
  type Presence,
  type PresenceInputs,
  type PublishedState,
  type RtcInput,
  samePresence,
} from './aggregate.js';
import { setCallSettings } from './call-settings.js';
import { type AttachedClient, CLIENT_TTL_MS, type ClientOptions, PresenceClients } from './clients.js';
import { setLineState, setRtc } from './lines.js';
import { type ManualRequest, manualInput } from './manual.js';
import type { CalendarSink, CalendarSnapshot, CallSettingsShown, CallSettingsSink, LineState } from './model.js';
import { type PublishedInput, publish, unpublish } from './published.js';
import type { StoredInput } from './repository.js';
import { type OnPresenceChange, type PresenceSeen, type PresenceWatch, see, watch } from './watch.js';
import { PresenceWatchers, type TrustOf, visibleTo, type Watcher } from './watchers.js';

interface ClientValue {
  mobile: boolean;
  idle: boolean;
  since: number;
  sessionId: string | null;
  published?: PublishedState;
}

const key = (tenantId: string, userId: string) => `${tenantId} ${userId}`;

/** Users recomputed at once by the schedule. */
const TICK_BATCH = 1000;

function toInputs(stored: StoredInput[]): PresenceInputs {
  const inputs = noInputs();
  for (const s of stored) {
    const v = s.value as Record<string, unknown>;
    if (s.source === 'manual') inputs.manual = v as unknown as ManualInput;
    else if (s.source === 'line') inputs.lines.push({ line: s.key, ...(v as Omit<LineInput, 'line'>) });
    else if (s.source === 'client') inputs.clients.push({ id: s.key, ...(v as unknown as ClientValue) });
    else if (s.source === 'rtc') inputs.rtc.push({ id: s.key, ...(v as Omit<RtcInput, 'id'>) });
    else if (s.source === 'calendar') inputs.calendar = v as unknown as CalendarSnapshot;
    else if (s.source === 'call-settings') inputs.callSettings = v as unknown as CallSettingsInput;
  }
  return inputs;
}

/**
 * Presence: stores each input with its source and expiry, recomputes the user's presence with the
 * pure `aggregate` on every change and at the next scheduled change, and publishes
 * `presence.changed` only when the computed value changes. Also the calendar and call settings sink.
 */
export class PresenceService implements CalendarSink, CallSettingsSink {
  readonly watchers: PresenceWatchers;
  private readonly clients: PresenceClients;
  /** Recomputes in flight on this node, per user (other nodes are kept out by the row version). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: CoreContext,
    /** Users as the user service caches them: every published state and change names one. */
    readonly users: Pick<UserService, 'lookup'>,
    /** The tenant's trust in a federated watcher's domain (`core/federation`). */
    trustOf?: TrustOf,
  ) {
    this.watchers = new PresenceWatchers(ctx, trustOf);
    this.clients = new PresenceClients(ctx, this);
  }

  private get repo() {
    return this.ctx.store.repos.presence;
  }

  /** The user's computed presence (everything; use `view` for what a watcher may see). */
  async get(tenantId: string, userId: string): Promise<Presence> {
    const state = await this.repo.state(tenantId, userId);
    return state ? (state.presence as Presence) : this.recompute(tenantId, userId);
  }

  /** The presence of `userId` as `watcher` may see it. */
  async view(tenantId: string, userId: string, watcher: Watcher): Promise<Presence> {
    const [presence, relation] = await Promise.all([
      this.get(tenantId, userId),
      this.watchers.relation(tenantId, watcher, userId),
    ]);
    return visibleTo(presence, relation);
  }

  /** What `watcher` sees of a `presence.changed`: the new value as allowed, null when it looks as before. */
  async viewChange(e: EventOf<'presence.changed'>, watcher: Watcher): Promise<Presence | null> {
    const relation = await this.watchers.relation(e.tenantId, watcher, e.userId);
    const seen = visibleTo(e.presence, relation);
    return samePresence(visibleTo(e.previous, relation), seen) ? null : seen;
  }

  /** What `watcher` may see now of the users of `tenantId` with these addresses (null: no such user). */
  see(tenantId: string, watcher: Watcher, addresses: readonly string[]): Promise<(PresenceSeen | null)[]> {
    return see(this.ctx, this, tenantId, watcher, addresses);
  }

  /** Hands `onChange` each change of a user of `tenantId` that `watcher` may see, until closed (`watch.ts`). */
  watch(tenantId: string, watcher: Watcher, onChange: OnPresenceChange): PresenceWatch {
    return watch(this.ctx, this, tenantId, watcher, onChange);
  }

  /** Adds a connected client as its user's input until it detaches (`clients.ts`). */
  attachClient(tenantId: string, userId: string, o: ClientOptions): AttachedClient {
    return this.clients.attach(tenantId, userId, o);
  }

  /** Recomputes and publishes if changed; one at a time per user on this node, so events keep their order. */
  recompute(tenantId: string, userId: string): Promise<Presence> {
    const k = key(tenantId, userId);
    const run = (this.queues.get(k) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.evaluate(tenantId, userId));
    this.queues.set(k, run);
    void run
      .finally(() => {
        if (this.queues.get(k) === run) this.queues.delete(k);
      })
      .catch(() => undefined);
    return run;
  }

  /**
   * Reads the shared state, then the inputs, aggregates and writes the result if nobody wrote in
   * between (another node recomputing the same user); otherwise starts again with what they wrote.
   * Only the writer that changes the value publishes `presence.changed`, so each change is
   * published once in the cluster.
   */
  private async evaluate(tenantId: string, userId: string): Promise<Presence> {
    for (;;) {
      const now = this.ctx.clock.now();
      const state = await this.repo.state(tenantId, userId);
      const stored = await this.repo.inputs(tenantId, userId, now);
      if (!state && stored.length === 0) return offlinePresence;
      const inputs = toInputs(stored);
      const r = aggregate(inputs, now);
      // An input's expiry is not a due time: `tick` drops expired inputs and recomputes their users.
      const due = r.nextChange;
      const previous = (state?.presence as Presence | undefined) ?? offlinePresence;
      const presence = r.presence;
      if (state && state.due === due && samePresence(previous, presence) && !r.manualBroken) return previous;
      if (!(await this.repo.casState(tenantId, userId, state?.version, { presence, due }, now))) continue;
      if (r.manualBroken && inputs.manual) await this.endManual(tenantId, userId, inputs.manual, stored);
      if (!samePresence(previous, presence)) {
        const u = await this.users.lookup(tenantId, userId);
        if (u)
          await this.ctx.bus.publish('presence.changed', {
            tenantId,
            userId,
            user: addressOf(u),
            presence,
            previous,
          });
      }
      return presence;
    }
  }

  /** Anchor rule: the manual availability is over for good; a note or context stays. */
  private async endManual(tenantId: string, userId: string, manual: ManualInput, stored: StoredInput[]) {
    const { note, context } = manual;
    if (!note && !context) {
      await this.repo.deleteInput(tenantId, userId, 'manual');
      return;
    }
    const manualRow = stored.find((s) => s.source === 'manual');
    await this.repo.putInput(
      tenantId,
      userId,
      {
        source: 'manual',
        key: '',
        value: { ...manual, availability: null, until: null },
        expiresAt: manualRow?.expiresAt ?? null,
      },
      this.ctx.clock.now(),
    );
  }

  /**
   * Recomputes every user whose next scheduled change has come or who had an input expire (the
   * presence schedule, on one node); the expired inputs are dropped.
   */
  async tick(): Promise<void> {
    const now = this.ctx.clock.now();
    const users = [...(await this.repo.due(now, TICK_BATCH)), ...(await this.repo.dropExpired(now))];
    for (let i = 0; i < users.length; i += TICK_BATCH) {
      await Promise.all(users.slice(i, i + TICK_BATCH).map((u) => this.recompute(u.tenantId, u.userId)));
    }
  }

  /** Computes users who have inputs but no shared state yet (after the upgrade that added it). */
  async resume(): Promise<void> {
    for (const tenant of await this.ctx.store.repos.tenants.list()) {
      for (const userId of await this.repo.usersWithoutState(tenant.id)) await this.recompute(tenant.id, userId);
    }
  }

  /**
   * Drops the client inputs of node instances that are no longer live (one that stopped
   * heartbeating) and recomputes their users, who then show offline or their other clients' state.
   */
  async expireHolders(live: string[]): Promise<number> {
    const users = await this.repo.expireHolders(live);
    await Promise.all(users.map((u) => this.recompute(u.tenantId, u.userId)));
    return users.length;
  }

  private async ensureUser(tenantId: string, userId: string) {
    if (!(await this.users.lookup(tenantId, userId))) throw notFound('user');
  }

  // Manual ------------------------------------------------------------------------------------

  async manual(tenantId: string, userId: string): Promise<ManualInput | null> {
    const row = (await this.repo.inputs(tenantId, userId, this.ctx.clock.now())).find((s) => s.source === 'manual');
    return (row?.value as ManualInput | undefined) ?? null;
  }

  /** Replaces the manual input. Bad states or times throw PARLEY_ERR_VALIDATION and change nothing. */
  async setManual(tenantId: string, userId: string, req: ManualRequest): Promise<Presence> {
    await this.putManual(tenantId, userId, req);
    return this.recompute(tenantId, userId);
  }

  /** Validates and stores (or, when empty, removes) the manual input, without recomputing. */
  private async putManual(tenantId: string, userId: string, req: ManualRequest): Promise<void> {
    const now = this.ctx.clock.now();
    const m = manualInput(req, now);
    await this.ensureUser(tenantId, userId);
    if (m.availability === null && m.note === null && m.context === null) {
      await this.repo.deleteInput(tenantId, userId, 'manual');
    } else {
      await this.repo.putInput(tenantId, userId, { source: 'manual', key: '', value: m, expiresAt: m.validTo }, now);
    }
  }

  async clearManual(tenantId: string, userId: string): Promise<Presence> {
    await this.repo.deleteInput(tenantId, userId, 'manual');
    return this.recompute(tenantId, userId);
  }

  // Phone lines and rtc -----------------------------------------------------------------------

  /** A phone line's state; with `holder` (a node instance) it goes when that node dies (`lines.ts`). */
  setLineState(tenantId: string, userId: string, line: string, state: LineState, o: { holder?: string } = {}) {
    return setLineState(this.ctx, this, tenantId, userId, line, state, o);
  }

  /** A line that is no longer registered or monitored. */
  async removeLine(tenantId: string, userId: string, line: string): Promise<Presence> {
    await this.repo.deleteInput(tenantId, userId, 'line', line);
    return this.recompute(tenantId, userId);
  }

  /** An rtc session the user takes part in (`participants` null: the user left it; `lines.ts`). */
  setRtc(tenantId: string, userId: string, sessionId: string, participants: number | null) {
    return setRtc(this.ctx, this, tenantId, userId, sessionId, participants);
  }

  // Clients -----------------------------------------------------------------------------------

  async clientConnected(
    tenantId: string,
    userId: string,
    clientId: string,
    o: { mobile: boolean; sessionId: string | null },
  ): Promise<Presence> {
    const now = this.ctx.clock.now();
    const value: ClientValue = { mobile: o.mobile, idle: false, since: now, sessionId: o.sessionId };
    await this.repo.putInput(
      tenantId,
      userId,
      { source: 'client', key: clientId, value, expiresAt: now + CLIENT_TTL_MS, holder: this.ctx.cluster.instance },
      now,
    );
    return this.recompute(tenantId, userId);
  }

  async clientDisconnected(tenantId: string, userId: string, clientId: string): Promise<Presence> {
    await this.repo.deleteInput(tenantId, userId, 'client', clientId);
    return this.recompute(tenantId, userId);
  }

  /**
   * Idle/active of the clients of one session; a session without a connected client becomes one for a while.
   * With `manual`, that replaces the manual input too, in the same recompute (one change published, not two).
   */
  async setActivity(
    tenantId: string,
    userId: string,
    sessionId: string,
    idle: boolean,
    manual?: ManualRequest,
  ): Promise<Presence> {
    if (manual) await this.putManual(tenantId, userId, manual);
    const now = this.ctx.clock.now();
    const clients = (await this.repo.inputs(tenantId, userId, now)).filter(
      (s) => s.source === 'client' && (s.value as ClientValue).sessionId === sessionId,
    );
    if (clients.length === 0) {
      const value: ClientValue = { mobile: false, idle, since: now, sessionId };
      await this.repo.putInput(
        tenantId,
        userId,
        { source: 'client', key: `session:${sessionId}`, value, expiresAt: now + CLIENT_TTL_MS },
        now,
      );
    }
    for (const c of clients) {
      const v = c.value as ClientValue;
      if (v.idle === idle) continue;
      await this.repo.putInput(
        tenantId,
        userId,
        { source: 'client', key: c.key, value: { ...v, idle, since: now }, expiresAt: c.expiresAt, holder: c.holder },
        now,
      );
    }
    return this.recompute(tenantId, userId);
  }

  /** A device's published state (SIP PUBLISH) as a client input of its own until `expiresAt` (`published.ts`). */
  publish(tenantId: string, userId: string, sourceId: string, input: PublishedInput, expiresAt: number) {
    return publish(this.ctx, this, tenantId, userId, sourceId, input, expiresAt);
  }

  unpublish(tenantId: string, userId: string, sourceId: string): Promise<Presence> {
    return unpublish(this.ctx, this, tenantId, userId, sourceId);
  }

  // Call settings -----------------------------------------------------------------------------

  /** The call settings sink: do not disturb and immediate forwarding as they are now (`call-settings.ts`). */
  setCallSettings(tenantId: string, userId: string, shown: CallSettingsShown): Promise<void> {
    return setCallSettings(this.ctx, this, tenantId, userId, shown);
  }

  // Calendar ----------------------------------------------------------------------------------

  /** The calendar sink: the calendar poller delivers each user's expanded blocks here. */
  async setCalendar(tenantId: string, userId: string, snapshot: CalendarSnapshot): Promise<void> {
    const now = this.ctx.clock.now();
    await this.repo.putInput(tenantId, userId, { source: 'calendar', key: '', value: snapshot, expiresAt: null }, now);
    await this.recompute(tenantId, userId);
  }

  async calendar(tenantId: string, userId: string): Promise<CalendarSnapshot | null> {
    const row = (await this.repo.inputs(tenantId, userId, this.ctx.clock.now())).find((s) => s.source === 'calendar');
    return (row?.value as CalendarSnapshot | undefined) ?? null;
  }

  async clearCalendar(tenantId: string, userId: string): Promise<void> {
    await this.repo.deleteInput(tenantId, userId, 'calendar');
    await this.recompute(tenantId, userId);
  }
}
