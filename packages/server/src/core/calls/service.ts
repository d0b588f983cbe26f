import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../context.js';
import type { NumberResolver } from '../journal/model.js';
import { CallBook } from './book.js';
import {
  type Call,
  type CallCause,
  type Connection,
  identifies,
  isLive,
  type LinePresenceSink,
  type Party,
} from './model.js';
import { illegal, type Move, newConnection, type Step } from './steps.js';

/** The steps of the calls this node switches (the SIP B2BUA reports them), over the calls it knows. */
export class CallService extends CallBook {
  constructor(
    ctx: CoreContext,
    presence: LinePresenceSink,
    /** Names external numbers through the directory (the journal's resolver). */
    private readonly resolver?: NumberResolver,
  ) {
    super(ctx, presence);
  }

  /**
   * A party without a user (a caller from a trunk, a number called over it) with its number
   * resolved through the directory, so every call event shows who it is ("Anna Berger, Muster
   * GmbH"); any other party as it is. A failed lookup leaves the number unnamed.
   */
  private async named(tenantId: string, party: Party): Promise<Party> {
    if (party.userId !== undefined || party.resolved || !party.number || !this.resolver) return party;
    const resolved = await this.resolver.resolve(tenantId, party.number).catch((err: unknown) => {
      this.log.warn({ err, tenantId }, 'number not resolved through the directory');
      return null;
    });
    return resolved ? { ...party, resolved } : party;
  }

  /** A party starts a call (Originated): its connection is `initiated`. */
  async originate(tenantId: string, o: { from: Party; to: { dialled: string; party?: Party } }): Promise<Call> {
    if (!identifies(o.from)) throw new Error('calls: the calling party names nothing to find it by');
    const from = await this.named(tenantId, o.from);
    const called = await this.named(tenantId, o.to.party ?? { number: o.to.dialled });
    const now = this.ctx.clock.now();
    const call: Call = {
      id: randomUUID(),
      tenantId,
      node: this.ctx.cluster.instance,
      dialled: o.to.dialled,
      caller: from,
      called,
      connections: [newConnection(from, 'calling', 'initiated', now)],
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
    const c = newConnection(await this.named(call.tenantId, party), 'called', 'null', this.ctx.clock.now());
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
    const added = current
      ? undefined
      : newConnection(await this.named(call.tenantId, party), 'called', 'null', this.ctx.clock.now());
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
    return this.run({ ...call, called: await this.named(call.tenantId, to) }, [
      ['call.diverted', ringing[0]?.id ?? null, moves, cause],
    ]);
  }

  /**
   * SingleStepTransfer (Transferred): `by` leaves the call and `to` becomes the called party; the
   * switch then delivers it to `to`'s devices.
   */
  async singleStepTransfer(callId: string, by: Party, to: Party): Promise<Call> {
    const call = this.own(callId);
    const c = this.oneOf(call, by);
    const cause = 'singleStepTransfer';
    return this.run(
      { ...call, called: await this.named(call.tenantId, to) },
      [['call.transferred', c.id, [[c.id, 'null', cause]], cause]],
      undefined,
      {
        oldCalls: [callId],
        by,
      },
    );
  }

  /**
   * TransferCall (Transferred): `by` leaves both calls; `moved` (the other party of the held call)
   * joins the active call, connected. The held call ends.
   */
  async transfer(heldCallId: string, activeCallId: string, by: Party, moved: Party): Promise<Call> {
    return this.merge(heldCallId, activeCallId, by, moved, 'transfer');
  }

  /** ConferenceCall (Conferenced): `moved` (the other party of the held call) joins the active call; the held call ends. */
  async conference(heldCallId: string, activeCallId: string, by: Party, moved: Party): Promise<Call> {
    return this.merge(heldCallId, activeCallId, by, moved, 'conference');
  }

  /** The held call ends and its other party joins the active one; a transfer takes `by` out of it. */
  private async merge(
    heldCallId: string,
    activeCallId: string,
    by: Party,
    moved: Party,
    cause: 'transfer' | 'conference',
  ): Promise<Call> {
    const held = this.own(heldCallId);
    const active = this.own(activeCallId);
    const from = this.liveOf(held, moved)[0];
    const at = this.oneOf(active, by);
    await this.run(
      held,
      held.connections.filter(isLive).map((c) => ['call.cleared', c.id, [[c.id, 'null', cause]], cause] as Step),
    );
    const joining = newConnection(moved, from?.role ?? 'called', 'null', this.ctx.clock.now());
    const moves: Move[] = [
      [joining.id, 'connected'],
      ...(cause === 'transfer' ? [[at.id, 'null', cause] as Move] : []),
    ];
    const type = cause === 'transfer' ? 'call.transferred' : 'call.conferenced';
    return this.run(active, [[type, cause === 'transfer' ? at.id : joining.id, moves, cause]], joining, {
      oldCalls: [heldCallId, activeCallId],
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
}
