import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { CoreContext } from '../context.js';
import { notFound } from '../errors.js';
import { lineDialogs, lineState, presenceLines } from './lines.js';
import {
  type Call,
  type CallCause,
  type CallEvent,
  type CallEventType,
  type Connection,
  callEventTypes,
  identifies,
  isLive,
  isPartyOf,
  type LineDialog,
  type LinePresenceSink,
  type OnLineChange,
  type Party,
} from './model.js';
import { involved, type Step, versionsOf } from './steps.js';
import { CallWatchers } from './watchers.js';

/** How long an ended call's id is remembered, so a late copy of one of its events cannot revive it. */
const ENDED_MEMORY_MS = 60_000;

/**
 * The calls a node knows (DESIGN §7): its own, which only it changes (`CallService`'s steps run
 * here: each checks the CSTA transitions, publishes a `call.*` event with the whole call and feeds
 * each touched line's state to presence), and replicas of other nodes' from those events
 * (`replicate`), so queries and line watches see every call of the cluster; the calls of a node
 * that stops heartbeating are dropped (`expireNodes`). Calls are not stored: they do not outlive
 * the node that switches them, whose SIP dialogs die with it.
 */
export abstract class CallBook {
  /** Live calls by id: this node's own and replicas of other nodes'. */
  protected readonly calls = new Map<string, Call>();
  /** Calls that ended, with when, and their last version. */
  protected readonly ended = new Map<string, { at: number; call: Call }>();
  /** Line watches and waits for versions. */
  protected readonly watchers: CallWatchers;
  /** Presence feeds in flight per user line, one at a time so the last state wins. */
  protected readonly feeds = new Map<string, Promise<void>>();
  protected readonly log;

  constructor(
    protected readonly ctx: CoreContext,
    protected readonly presence: LinePresenceSink,
  ) {
    this.log = ctx.log.child({ component: 'calls' });
    this.watchers = new CallWatchers(this.log);
  }

  // Queries ------------------------------------------------------------------------------------

  /** A live call of the tenant (any node's). */
  get(tenantId: string, callId: string): Call {
    const call = this.calls.get(callId);
    if (!call || call.tenantId !== tenantId) throw notFound('call');
    return call;
  }

  /** A call's latest version: live, or as it ended (for a while). */
  latest(callId: string): Call | undefined {
    return this.calls.get(callId) ?? this.ended.get(callId)?.call;
  }

  /** Resolves once this node knows `version` of the call (a replica catching up), or after `timeoutMs`. */
  reached(callId: string, version: number, timeoutMs: number): Promise<void> {
    if ((this.latest(callId)?.version ?? 0) >= version) return Promise.resolve();
    return this.watchers.version(callId, version, timeoutMs);
  }

  /** The live calls in which the user has a connection, oldest first. */
  ofUser(tenantId: string, userId: string): Call[] {
    return this.ofTenant(tenantId).filter((call) =>
      call.connections.some((c) => isLive(c) && c.party.userId === userId),
    );
  }

  /** The line's dialogs now (what a BLF key shows): one per live connection on it. */
  ofLine(tenantId: string, lineId: string): LineDialog[] {
    return this.ofTenant(tenantId).flatMap((call) =>
      lineDialogs(call, lineId).filter((d) => call.connections.some((c) => c.id === d.connectionId && isLive(c))),
    );
  }

  /** Hands `onChange` every change of the line's dialogs on any node, until the returned function is called. */
  watchLine(tenantId: string, lineId: string, onChange: OnLineChange): Unsubscribe {
    return this.watchers.line(tenantId, lineId, onChange);
  }

  // Replication --------------------------------------------------------------------------------

  /**
   * Keeps replicas of other nodes' calls from the bus, and answers other nodes' sync requests with
   * this node's calls, until the returned function is called.
   */
  replicate(): Unsubscribe {
    const { bus } = this.ctx;
    const subs = [...callEventTypes, 'call.snapshot' as const].map((type) =>
      bus.subscribe(type, (e) => this.apply(e.call)),
    );
    subs.push(
      bus.subscribe('calls.sync.requested', async ({ tenantId }) => {
        const own = this.ofTenant(tenantId).filter((c) => c.node === this.ctx.cluster.instance);
        await Promise.all(
          own.map((call) => bus.publish('call.snapshot', { tenantId, call, connectionId: null, cause: null })),
        );
      }),
    );
    return () => {
      for (const unsubscribe of subs) unsubscribe();
    };
  }

  /** Asks every node for its live calls (this node starts, or its bus came back): they answer with `call.snapshot`. */
  async sync(): Promise<void> {
    for (const t of await this.ctx.store.repos.tenants.list()) {
      await this.ctx.bus.publish('calls.sync.requested', { tenantId: t.id });
    }
  }

  /** Takes a call snapshot from another node unless a newer one (or its end) is known already. */
  private apply(call: Call): void {
    if (call.node === this.ctx.cluster.instance || this.ended.has(call.id)) return;
    const previous = this.calls.get(call.id);
    if (previous && previous.version >= call.version) return;
    this.keep(previous, call);
  }

  /**
   * Drops the calls of node instances not in `live` (the node died with their dialogs) and feeds
   * their lines' states to presence again; forgets ended calls' ids after a while.
   */
  async expireNodes(live: string[]): Promise<number> {
    const now = this.ctx.clock.now();
    for (const [id, { at }] of this.ended) if (now - at > ENDED_MEMORY_MS) this.ended.delete(id);
    const gone = [...this.calls.values()].filter((c) => c.node !== this.ctx.cluster.instance && !live.includes(c.node));
    const feeds = gone.flatMap((call) => {
      const end: Call = {
        ...call,
        connections: call.connections.map((c) => (isLive(c) ? { ...c, state: 'null', since: now } : c)),
        endedAt: now,
      };
      this.keep(call, end);
      return presenceLines(call).map((l) => this.feed(call.tenantId, l.userId, l.key));
    });
    await Promise.all(feeds);
    if (gone.length > 0) this.log.info({ calls: gone.length }, 'dropped the calls of nodes that are gone');
    return gone.length;
  }

  // Internals ----------------------------------------------------------------------------------

  /** The tenant's live calls, oldest first. */
  ofTenant(tenantId: string): Call[] {
    return [...this.calls.values()].filter((c) => c.tenantId === tenantId).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** A call this node switches. */
  protected own(callId: string): Call {
    const call = this.calls.get(callId);
    if (!call) throw notFound('call');
    if (call.node !== this.ctx.cluster.instance) throw new Error(`calls: ${callId} is switched by ${call.node}`);
    return call;
  }

  protected liveOf(call: Call, party: Party): Connection[] {
    if (!identifies(party)) throw new Error('calls: the party names nothing to find it by');
    return call.connections.filter((c) => isLive(c) && isPartyOf(party, c.party));
  }

  /** The live connections of `party` on the called side. */
  protected calledOf(call: Call, party: Party): Connection[] {
    return this.liveOf(call, party).filter((c) => c.role === 'called');
  }

  protected oneOf(call: Call, party: Party): Connection {
    const found = this.liveOf(call, party);
    if (found.length !== 1) throw new Error(`calls: ${call.id}: ${found.length} live connections of that party`);
    return found[0] as Connection;
  }

  /**
   * Applies the steps in order, each a new version of the call and one event; `added` is a
   * connection the first step brings into the call. Checks every transition before changing anything.
   */
  protected run(call: Call, steps: Step[], added?: Connection, joined?: CallEvent['joined']): Promise<Call> {
    const versions = versionsOf(call, steps, this.ctx.clock.now(), added);
    let previous: Call | undefined = call;
    const done = steps.map(([type, connectionId, , cause], i) => {
      const version = versions[i] as Call;
      const sent = this.commit(previous, version, type, connectionId, cause ?? null, joined);
      previous = version;
      return sent;
    });
    return this.settle(versions.at(-1) ?? call, done);
  }

  /** Keeps `call`, tells line watchers and publishes the event (synchronously, so events keep their order). */
  protected commit(
    previous: Call | undefined,
    call: Call,
    type: CallEventType,
    connectionId: string | null,
    cause: CallCause | null,
    joined?: CallEvent['joined'],
  ): Promise<unknown> {
    this.keep(previous, call);
    this.log.debug({ tenantId: call.tenantId, callId: call.id, event: type, connectionId, cause }, 'call event');
    const users = involved(call);
    const payload = { tenantId: call.tenantId, call, connectionId, cause, ...(joined && { joined }) };
    return Promise.all(
      (users.length > 0 ? users : [undefined]).map((userId) =>
        this.ctx.bus.publish(type, userId === undefined ? payload : { ...payload, userId }),
      ),
    );
  }

  /** Waits for the events to be out, then feeds the call's lines to presence. */
  protected async settle(call: Call, published: Promise<unknown>[]): Promise<Call> {
    await Promise.all(published);
    await Promise.all(presenceLines(call).map((l) => this.feed(call.tenantId, l.userId, l.key)));
    return call;
  }

  /** Stores (or, once ended, drops) the new version and tells the watchers what changed. */
  private keep(previous: Call | undefined, call: Call): void {
    if (call.endedAt === null) this.calls.set(call.id, call);
    else {
      this.calls.delete(call.id);
      this.ended.set(call.id, { at: this.ctx.clock.now(), call });
    }
    this.watchers.changed(previous, call, (lineId) => this.ofLine(call.tenantId, lineId));
  }

  /** Writes the line's strongest state over this node's view of the tenant's calls (none: removes it). */
  private feed(tenantId: string, userId: string, line: string): Promise<void> {
    const k = `${tenantId} ${userId} ${line}`;
    const run = (this.feeds.get(k) ?? Promise.resolve())
      .then(async () => {
        const state = lineState(this.ofTenant(tenantId), userId, line);
        if (state)
          await this.presence.setLineState(tenantId, userId, line, state, { holder: this.ctx.cluster.instance });
        else await this.presence.removeLine(tenantId, userId, line);
      })
      .catch((err) => this.log.warn({ err, tenantId, userId, line }, 'line state not fed to presence'));
    this.feeds.set(k, run);
    void run.finally(() => {
      if (this.feeds.get(k) === run) this.feeds.delete(k);
    });
    return run;
  }
}
