import { randomUUID } from 'node:crypto';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { Call, LineDialog } from '../calls/model.js';
import type { CallService } from '../calls/service.js';
import type { CoreContext } from '../context.js';
import { conflict, invalid, notFound } from '../errors.js';
import type { Line } from '../lines/model.js';
import type { User } from '../users/model.js';
import type { CallBackMode, CallBackRequest, CallBackStatus } from './model.js';

/** How long a call-back waits for its target before it expires. */
export const CALL_BACK_TTL_MS = 30 * 60_000;
/** How many call-backs one user may have pending. */
export const MAX_CALL_BACKS_PER_USER = 5;
/** The lease of the one node that serves call-backs. */
export const CALL_BACK_LEASE = 'call-backs';
/** A claim older than this is taken over (the node that rang died, or the user's device was unreachable). */
const CLAIM_STALE_MS = 60_000;

/** Rings the user's line (normally: no auto-answer, the user asked for a ring) and then calls `dialled`; resolves with the call's id. */
export type RingBack = (o: { user: User; line: Line; dialled: string }) => Promise<string>;

/** The line is in a call the user answered or made (not only ringing at it). */
const inUse = (d: LineDialog) => d.state === 'confirmed' || (d.direction === 'initiator' && d.state !== 'terminated');

/**
 * Call-backs (ECMA-269 CallBack): kept in the store with an expiry, served by the one node that
 * holds the `call-backs` lease. That node watches each request's two lines in its replicas of the
 * cluster's calls; once both are free (and, for no answer, the target has used its phone since),
 * it claims the request with a conditional update (so a lease handover cannot serve it twice),
 * rings the asker's line and, when it answers, calls the target. The request is then used up.
 */
export class CallBackService {
  /** What this node watches while it serves call-backs: each request's line watches. */
  private readonly watched = new Map<string, { request: CallBackRequest; unwatch: Unsubscribe[] }>();
  /** The call-back calls this node rang, by call id, until they end. */
  private readonly ringing = new Map<string, CallBackRequest>();
  private ring: { call: RingBack; ready: () => boolean } | undefined;

  constructor(
    private readonly ctx: CoreContext,
    private readonly calls: CallService,
  ) {}

  /**
   * How a request rings the asker and calls the target on this node (the switch's MakeCall), and
   * whether it can now (the switch is up).
   */
  attach(call: RingBack, ready: () => boolean): Unsubscribe {
    const ring = { call, ready };
    this.ring = ring;
    return () => {
      if (this.ring === ring) this.ring = undefined;
    };
  }

  /**
   * Keeps a call-back from `from` (the asker's line) to `target`: busy when the target is in a call
   * now, else no answer. The same request again answers the pending one.
   */
  async request(o: { user: User; from: Line; target: { line: Line; user: User } }): Promise<CallBackRequest> {
    const { user, from, target } = o;
    if (target.line.id === from.id) throw invalid('to', 'a line cannot call itself back');
    const repo = this.ctx.store.repos.callBacks;
    const mine = await repo.ofUser(user.tenantId, user.id);
    const same = mine.find((r) => r.fromLineId === from.id && r.targetLineId === target.line.id);
    if (same) return same;
    if (mine.length >= MAX_CALL_BACKS_PER_USER)
      throw conflict(`you have ${mine.length} call-backs pending: cancel one first`);
    const now = this.ctx.clock.now();
    const mode: CallBackMode = this.calls.ofLine(user.tenantId, target.line.id).some(inUse) ? 'busy' : 'noAnswer';
    const request: CallBackRequest = {
      id: randomUUID(),
      tenantId: user.tenantId,
      userId: user.id,
      fromLineId: from.id,
      fromNumber: from.number,
      targetLineId: target.line.id,
      targetNumber: target.line.number,
      targetUserId: target.user.id,
      mode,
      activeSeen: false,
      createdAt: now,
      expiresAt: now + CALL_BACK_TTL_MS,
      claimedBy: null,
      claimedAt: null,
    };
    await repo.insert(request);
    this.ctx.log.info({ tenantId: user.tenantId, callBackId: request.id, mode }, 'call-back requested');
    await this.publish(request, 'requested');
    return request;
  }

  /** The user's pending call-backs, oldest first. */
  list(tenantId: string, userId: string): Promise<CallBackRequest[]> {
    return this.ctx.store.repos.callBacks.ofUser(tenantId, userId);
  }

  /** CancelCallBack: the user's pending request goes (someone else's: not found). */
  async cancel(tenantId: string, userId: string | undefined, id: string): Promise<CallBackRequest> {
    const repo = this.ctx.store.repos.callBacks;
    const request = await repo.get(tenantId, id);
    if (!request || (userId !== undefined && request.userId !== userId)) throw notFound('call-back');
    if (!(await repo.delete(tenantId, id))) throw notFound('call-back');
    await this.publish(request, 'cancelled');
    return request;
  }

  // Serving (the node holding the lease) -------------------------------------------------------

  /**
   * One round of the serving node: expired requests go (one `expired` each, from whichever node
   * removes it), the pending ones are watched and each is served whose lines are free.
   */
  async sweep(): Promise<void> {
    const repo = this.ctx.store.repos.callBacks;
    const now = this.ctx.clock.now();
    for (const r of await repo.expired(now)) {
      this.unwatch(r.id);
      if (await repo.delete(r.tenantId, r.id)) await this.publish(r, 'expired');
    }
    const pending = await repo.pending(now);
    const ids = new Set(pending.map((r) => r.id));
    for (const id of this.watched.keys()) if (!ids.has(id)) this.unwatch(id);
    for (const r of pending) {
      const known = this.watched.get(r.id);
      if (known) known.request = { ...r, activeSeen: r.activeSeen || known.request.activeSeen };
      else this.watch(r);
      await this.check(r.id);
    }
  }

  /** A request just made (on any node): the serving node watches its lines from now on, not from its next round. */
  follow(r: CallBackRequest): void {
    if (this.watched.has(r.id)) return;
    this.watch(r);
    void this.check(r.id).catch((err) => this.ctx.log.warn({ err }, 'call-back check failed'));
  }

  /** This node no longer serves call-backs (it lost the lease or stops). */
  stopServing(): void {
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }

  /** A call ended: a call-back call this node rang is done. */
  async ended(call: Call): Promise<void> {
    const request = this.ringing.get(call.id);
    if (!request || call.endedAt === null) return;
    this.ringing.delete(call.id);
    await this.publish(request, 'done', call.id);
  }

  private watch(r: CallBackRequest): void {
    const onChange = () => void this.check(r.id).catch((err) => this.ctx.log.warn({ err }, 'call-back check failed'));
    this.watched.set(r.id, {
      request: r,
      unwatch: [
        this.calls.watchLine(r.tenantId, r.targetLineId, onChange),
        this.calls.watchLine(r.tenantId, r.fromLineId, onChange),
      ],
    });
  }

  private unwatch(id: string): void {
    for (const unwatch of this.watched.get(id)?.unwatch ?? []) unwatch();
    this.watched.delete(id);
  }

  /** Serves the request if both lines are free now (no answer: once the target was in use since). */
  private async check(id: string): Promise<void> {
    const entry = this.watched.get(id);
    if (!entry) return;
    const r = entry.request;
    const target = this.calls.ofLine(r.tenantId, r.targetLineId);
    if (r.mode === 'noAnswer' && !r.activeSeen) {
      if (!target.some(inUse)) return;
      entry.request = { ...r, activeSeen: true };
      await this.ctx.store.repos.callBacks.markActive(r.tenantId, r.id);
      return;
    }
    const free = (dialogs: LineDialog[]) => dialogs.every((d) => d.state === 'terminated');
    if (free(target) && free(this.calls.ofLine(r.tenantId, r.fromLineId))) await this.serve(r);
  }

  /** Claims the request, rings the asker's line, then calls the target; the request is used up. */
  private async serve(r: CallBackRequest): Promise<void> {
    const ring = this.ring;
    const repo = this.ctx.store.repos.callBacks;
    const now = this.ctx.clock.now();
    if (!ring?.ready() || !(await repo.claim(r.tenantId, r.id, this.ctx.cluster.instance, now, now - CLAIM_STALE_MS)))
      return;
    this.unwatch(r.id);
    const log = this.ctx.log.child({ tenantId: r.tenantId, callBackId: r.id });
    try {
      const user = await this.ctx.store.repos.users.get(r.tenantId, r.userId);
      const line = await this.ctx.store.repos.lines.get(r.tenantId, r.fromLineId);
      if (!user || !line || user.disabledAt !== null) throw notFound('the line of the call-back');
      const callId = await ring.call({ user, line, dialled: r.targetNumber });
      if (!(await repo.delete(r.tenantId, r.id))) return;
      log.info({ callId }, 'call-back ringing');
      await this.publish(r, 'ringing', callId);
      // Done when the call ends, which it may have by now (the phone refused at once).
      this.ringing.set(callId, r);
      const current = this.calls.latest(callId);
      if (current) await this.ended(current);
    } catch (err) {
      // The claim stays: the request is tried again once it is stale (or it expires).
      log.warn({ err }, 'call-back could not ring');
    }
  }

  private publish(r: CallBackRequest, status: CallBackStatus, callId?: string): Promise<void> {
    return this.ctx.bus.publish('callback.changed', {
      tenantId: r.tenantId,
      userId: r.userId,
      callBack: r,
      status,
      ...(callId !== undefined && { callId }),
    });
  }
}
