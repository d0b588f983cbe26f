import { randomUUID } from 'node:crypto';
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
import { illegal, involved, type Move, newConnection, type Step, versionsOf } from './steps.js';
import { CallWatchers } from './watchers.js';

/** How long an ended call's id is remembered, so a late copy of one of its events cannot revive it. */
const ENDED_MEMORY_MS = 60_000;

/**
 * Live calls (DESIGN §7). The node whose switch (the SIP B2BUA) handles a call keeps it in memory
 * and is the only one that changes it: each step checks the CSTA transition, publishes a `call.*`
 * event with the whole call, and feeds each touched line's state to presence. Every other node
 * keeps a replica from those events (`replicate`), so queries and line watches see every call of
 * the cluster; the calls of a node that stops heartbeating are dropped (`expireNodes`). Calls are
 * not stored: they do not outlive the node that switches them, whose SIP dialogs die with it.
 */
export class CallService {
  /** Live calls by id: this node's own and replicas of other nodes'. */
  private readonly calls = new Map<string, Call>();
  /** Calls that ended, with when, and their last version. */
  private readonly ended = new Map<string, { at: number; call: Call }>();
  /** Line watches and waits for versions. */
  private readonly watchers: CallWatchers;
  /** Presence feeds in flight per user line, one at a time so the last state wins. */
  private readonly feeds = new Map<string, Promise<void>>();
  private readonly log;

  constructor(
    private readonly ctx: CoreContext,
    private readonly presence: LinePresenceSink,
  ) {
    this.log = ctx.log.child({ component: 'calls' });
    this.watchers = new CallWatchers(this.log);
  }

  // Steps of the switch ------------------------------------------------------------------------

  /** A party starts a call (Originated): its connection is `initiated`. */
  async originate(tenantId: string, o: { from: Party; to: { dialled: string; party?: Party } }): Promise<Call> {
    if (!identifies(o.from)) throw new Error('calls: the calling party names nothing to find it by');
    const now = this.ctx.clock.now();
    const call: Call = {
      id: randomUUID(),
      tenantId,
      node: this.ctx.cluster.instance,
      dialled: o.to.dialled,
      caller: o.from,
      called: o.to.party ?? { number: o.to.dialled },
      connections: [newConnection(o.from, 'calling', 'initiated', now)],
      createdAt: now,
      answeredAt: null,
      endedAt: null,
      version: 1,
    };
    const done = [this.commit(undefined, call, 'call.originated', call.connections[0]?.id ?? null, null)];
    return this.settle(call, done);
  }

  /** A device the call is offered to rings (Delivered). Again for a device already ringing: no change. */
  async deliver(callId: string, party: Party): Promise<Call> {
    const call = this.own(callId);
    const current = this.calledOf(call, party);
    if (current.length > 0 && current.every((c) => c.state === 'alerting')) return call;
    if (current[0]) throw illegal(call, current[0], 'alerting');
    const c = newConnection(party, 'called', 'null', this.ctx.clock.now());
    return this.run(call, [['call.delivered', c.id, [[c.id, 'alerting']]]], c);
  }

  /**
   * A called device answers (Established): it and the caller are connected, and every other
   * device still ringing for the call is cleared (the switch cancels those forks).
   */
  async establish(callId: string, party: Party): Promise<Call> {
    const call = this.own(callId);
    const [current, ...more] = this.calledOf(call, party);
    if (more.length > 0) throw new Error(`calls: ${callId}: more than one connection answers`);
    const added = current ? undefined : newConnection(party, 'called', 'null', this.ctx.clock.now());
    const answering = (current ?? added) as Connection;
    const caller = call.connections.find((c) => c.role === 'calling' && c.state === 'initiated');
    const forks = call.connections.filter(
      (c) => c.id !== answering.id && c.role === 'called' && c.state === 'alerting',
    );
    return this.run(
      call,
      [
        [
          'call.established',
          answering.id,
          [[answering.id, 'connected'], ...(caller ? [[caller.id, 'connected'] as Move] : [])],
        ],
        ...forks.map((f) => ['call.cleared', f.id, [[f.id, 'null', 'normalClearing']], 'normalClearing'] as Step),
      ],
      added,
    );
  }

  /** A connected party puts the call on hold (Held). */
  async hold(callId: string, party: Party): Promise<Call> {
    const call = this.own(callId);
    const c = this.oneOf(call, party);
    return this.run(call, [['call.held', c.id, [[c.id, 'held']]]]);
  }

  /** A held party takes the call back (Retrieved). */
  async retrieve(callId: string, party: Party): Promise<Call> {
    const call = this.own(callId);
    const c = this.oneOf(call, party);
    if (c.state !== 'held') throw illegal(call, c, 'connected');
    return this.run(call, [['call.retrieved', c.id, [[c.id, 'connected']]]]);
  }

  /**
   * The call goes elsewhere (Diverted: forwarding, deflection, pickup): `from`'s ringing
   * connections (undefined: the called party's) are cleared and `to` becomes the called party; the
   * switch then delivers it to `to`'s devices.
   */
  async divert(callId: string, from: Party | undefined, to: Party, cause: CallCause = 'redirected'): Promise<Call> {
    const call = this.own(callId);
    const ringing = this.calledOf(call, from ?? call.called);
    const answered = ringing.find((c) => c.state !== 'alerting');
    if (answered) throw illegal(call, answered, 'null');
    const moves = ringing.map((c) => [c.id, 'null', cause] as Move);
    return this.run({ ...call, called: to }, [['call.diverted', ringing[0]?.id ?? null, moves, cause]]);
  }

  /**
   * SingleStepTransfer (Transferred): `by` leaves the call and `to` becomes the called party; the
   * switch then delivers it to `to`'s devices.
   */
  async singleStepTransfer(callId: string, by: Party, to: Party): Promise<Call> {
    const call = this.own(callId);
    const c = this.oneOf(call, by);
    const cause = 'singleStepTransfer';
    return this.run({ ...call, called: to }, [['call.transferred', c.id, [[c.id, 'null', cause]], cause]], undefined, {
      oldCalls: [callId],
      by,
    });
  }

  /**
   * The call cannot be completed (Failed). With `party`: those connections failed (one fork is
   * busy). Without: the call failed — every called connection clears and the caller's connection
   * is `failed` (it hears the busy tone) until `clear`.
   */
  async fail(callId: string, cause: CallCause, party?: Party): Promise<Call> {
    const call = this.own(callId);
    if (party) {
      const failing = this.liveOf(call, party);
      if (failing.length === 0) throw new Error(`calls: ${callId}: no live connection of that party to fail`);
      return this.run(
        call,
        failing.map((c) => ['call.failed', c.id, [[c.id, 'failed', cause]], cause]),
      );
    }
    const caller = call.connections.find((c) => c.role === 'calling' && isLive(c));
    if (!caller) throw new Error(`calls: ${callId}: no caller left to fail`);
    const called = call.connections.filter((c) => c.role === 'called' && isLive(c));
    return this.run(call, [
      ...called.map((c) => ['call.cleared', c.id, [[c.id, 'null', cause]], cause] as Step),
      ['call.failed', caller.id, [[caller.id, 'failed', cause]], cause],
    ]);
  }

  /**
   * Connections leave the call (ConnectionCleared): `party`'s, or without it every one left. The
   * call ends when its last connection clears.
   */
  async clear(callId: string, party?: Party, cause: CallCause = 'normalClearing'): Promise<Call> {
    const call = this.own(callId);
    const leaving = party ? this.liveOf(call, party) : call.connections.filter(isLive);
    if (leaving.length === 0) throw new Error(`calls: ${callId}: no live connection of that party to clear`);
    return this.run(
      call,
      leaving.map((c) => ['call.cleared', c.id, [[c.id, 'null', cause]], cause]),
    );
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
  private own(callId: string): Call {
    const call = this.calls.get(callId);
    if (!call) throw notFound('call');
    if (call.node !== this.ctx.cluster.instance) throw new Error(`calls: ${callId} is switched by ${call.node}`);
    return call;
  }

  private liveOf(call: Call, party: Party): Connection[] {
    if (!identifies(party)) throw new Error('calls: the party names nothing to find it by');
    return call.connections.filter((c) => isLive(c) && isPartyOf(party, c.party));
  }

  /** The live connections of `party` on the called side. */
  private calledOf(call: Call, party: Party): Connection[] {
    return this.liveOf(call, party).filter((c) => c.role === 'called');
  }

  private oneOf(call: Call, party: Party): Connection {
    const found = this.liveOf(call, party);
    if (found.length !== 1) throw new Error(`calls: ${call.id}: ${found.length} live connections of that party`);
    return found[0] as Connection;
  }

  /**
   * Applies the steps in order, each a new version of the call and one event; `added` is a
   * connection the first step brings into the call. Checks every transition before changing anything.
   */
  private run(call: Call, steps: Step[], added?: Connection, joined?: CallEvent['joined']): Promise<Call> {
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
  private commit(
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
  private async settle(call: Call, published: Promise<unknown>[]): Promise<Call> {
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
