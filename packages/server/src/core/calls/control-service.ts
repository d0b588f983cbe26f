import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { CallBackRequest } from '../callbacks/model.js';
import type { CallBackService } from '../callbacks/service.js';
import type { CoreContext } from '../context.js';
import { invalid, notFound, ParleyError } from '../errors.js';
import type { Line } from '../lines/model.js';
import type { LineService } from '../lines/service.js';
import type { User } from '../users/model.js';
import type { UserService } from '../users/service.js';
import type { Actor, CallControl, ControlledDevice, DeviceRef, PickupRequest } from './control.js';
import { ControlRelay } from './control-relay.js';
import { type Call, type Connection, isLive, type Party } from './model.js';
import type { CallService } from './service.js';

/** An operation on a live call, carried out by the switch of the node that switches it. */
export type ControlOp =
  | { kind: 'answer' | 'clear' | 'hold' | 'retrieve'; callId: string; party: Party }
  | { kind: 'deflect'; callId: string; to: string }
  | { kind: 'transfer'; callId: string; party: Party; to: string }
  | { kind: 'join' | 'conference'; callId: string; heldCallId: string; party: Party }
  | { kind: 'digits'; callId: string; party: Party; digits: string }
  | { kind: 'pickup'; callId: string; userId: string; lineId: string };

/** What a node's switch (the SIP B2BUA) does when call control asks. */
export interface CallDriver {
  /**
   * MakeCall from `line`'s device to `dialled`; resolves with the core's call id once the device is
   * rung. The device gets auto-answer hints unless `ring` (a call-back: the user asked for a ring).
   */
  makeCall(o: { user: User; line: Line; dialled: string; ring?: boolean }): Promise<string>;
  /** Carries out `op`; resolves once the call's new state is in the core. */
  operate(op: ControlOp): Promise<void>;
}

/**
 * Call control (ECMA-269 services) for users and CTI applications: checks what the actor may
 * control, finds the connection meant, and has the switch of the node that switches the call
 * carry it out (over the bus when that is another node). MakeCall is switched by this node.
 */
export class CallControlService implements CallControl {
  private driver: CallDriver | undefined;
  private readonly relay: ControlRelay;

  constructor(
    private readonly ctx: CoreContext,
    private readonly model: CallService,
    private readonly lines: LineService,
    private readonly users: UserService,
    private readonly callBackService: CallBackService,
  ) {
    this.relay = new ControlRelay(ctx, model);
  }

  /** The switch of this node takes control requests until the returned function is called. */
  attach(driver: CallDriver): Unsubscribe {
    this.driver = driver;
    return () => {
      if (this.driver === driver) this.driver = undefined;
    };
  }

  /** Whether this node's switch takes requests now. */
  get switching(): boolean {
    return this.driver !== undefined;
  }

  /** Answers other nodes' control requests for calls this node switches, and takes their answers. */
  serve(): Unsubscribe {
    return this.relay.serve((op) => this.local(op));
  }

  // Devices and calls the actor may see ------------------------------------------------------

  async device(actor: Actor, ref: DeviceRef): Promise<ControlledDevice> {
    const { line, user } = await this.lineOf(actor, ref);
    if (actor.scope === 'user' && user.id !== actor.userId) throw notFound(`device ${ref}`);
    return { tenantId: actor.tenantId, userId: user.id, lineId: line.id, number: line.number, did: line.did };
  }

  async snapshotDevice(actor: Actor, ref: DeviceRef): Promise<Call[]> {
    const device = await this.device(actor, ref);
    return this.model
      .ofUser(actor.tenantId, device.userId)
      .filter((call) => call.connections.some((c) => isLive(c) && c.party.lineId === device.lineId));
  }

  call(actor: Actor, callId: string): Call {
    const call = this.model.get(actor.tenantId, callId);
    if (actor.scope === 'user' && !call.connections.some((c) => c.party.userId === actor.userId))
      throw notFound('call');
    return call;
  }

  calls(actor: Actor): Call[] {
    return actor.scope === 'tenant' || actor.userId === undefined
      ? this.model.ofTenant(actor.tenantId)
      : this.model.ofUser(actor.tenantId, actor.userId);
  }

  // Services ---------------------------------------------------------------------------------

  async makeCall(actor: Actor, o: { from?: DeviceRef; to: string }): Promise<Call> {
    const from = await this.ownLine(actor, o.from);
    const driver = this.driver;
    if (!driver) throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'SIP is off on this server');
    const id = await driver.makeCall({ ...from, dialled: o.to.trim() });
    return this.model.get(actor.tenantId, id);
  }

  async answer(actor: Actor, callId: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.state !== 'alerting') throw state('the call is not ringing at that device');
    return this.run(call, { kind: 'answer', callId, party: connection.party });
  }

  async clear(actor: Actor, callId: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    return this.run(call, { kind: 'clear', callId, party: connection.party });
  }

  async hold(actor: Actor, callId: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.state !== 'connected') throw state('the connection is not connected');
    return this.run(call, { kind: 'hold', callId, party: connection.party });
  }

  async retrieve(actor: Actor, callId: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.state !== 'held') throw state('the connection is not on hold');
    return this.run(call, { kind: 'retrieve', callId, party: connection.party });
  }

  async alternate(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call> {
    await this.hold(actor, activeCallId, device);
    return this.retrieve(actor, heldCallId, device);
  }

  async reconnect(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call> {
    await this.clear(actor, activeCallId, device);
    return this.retrieve(actor, heldCallId, device);
  }

  async deflect(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.role !== 'called' || connection.state !== 'alerting')
      throw state('the call is not ringing at that device');
    return this.run(call, { kind: 'deflect', callId, to: to.trim() });
  }

  /**
   * DirectedPickup: a call ringing at a line of the tenant (`callId`, or the one ringing at `at`)
   * is answered at `into`. Anyone of the tenant may pick up a colleague's ringing call.
   * GroupPickup (neither): the call ringing longest at another line of `into`'s pickup group.
   */
  async pickup(actor: Actor, o: PickupRequest): Promise<Call> {
    const { call, into } = await this.pickable(actor, o);
    return this.run(call, { kind: 'pickup', callId: call.id, userId: into.user.id, lineId: into.line.id });
  }

  /**
   * The call a pickup would take and the line it would be answered at, without taking it (a
   * feature code answers the phone that dialled it before its line is rung).
   */
  async pickable(actor: Actor, o: PickupRequest): Promise<{ call: Call; into: { line: Line; user: User } }> {
    const into = await this.ownLine(actor, o.into);
    let call: Call | undefined;
    if (o.callId !== undefined) call = this.model.get(actor.tenantId, o.callId);
    else if (o.at !== undefined) {
      const { line } = await this.lineOf(actor, o.at);
      call = this.ringingAt(actor.tenantId, new Set([line.id]))[0];
    } else {
      const group = into.line.pickupGroup;
      if (group === null) throw state(`line ${into.line.number} is in no pickup group`);
      const lines = await this.lines.pickupGroup(actor.tenantId, group);
      call = this.ringingAt(actor.tenantId, new Set(lines.flatMap((l) => (l.id === into.line.id ? [] : [l.id]))))[0];
      if (!call) throw state('no call is ringing in your pickup group');
    }
    const ringing = call?.connections.some((c) => c.role === 'called' && c.state === 'alerting');
    if (!call || !ringing) throw state('no call is ringing there');
    return { call, into };
  }

  /** The tenant's calls ringing at one of `lineIds`, the longest ringing first. */
  private ringingAt(tenantId: string, lineIds: Set<string>): Call[] {
    const since = (call: Call) =>
      Math.min(
        ...call.connections.flatMap((c) =>
          c.role === 'called' && c.state === 'alerting' && lineIds.has(c.party.lineId ?? '') ? [c.since] : [],
        ),
      );
    return this.model
      .ofTenant(tenantId)
      .map((call) => ({ call, since: since(call) }))
      .filter((x) => Number.isFinite(x.since))
      .sort((x, y) => x.since - y.since)
      .map((x) => x.call);
  }

  // Not carried out yet: the call and the device are checked first, so nobody learns about calls
  // they may not see from these answers.

  /** ConsultationCall: holds the call and makes a new one from the same line (resolves with the new call). */
  async consult(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call> {
    const { connection } = await this.connection(actor, callId, device);
    const line = connection.party.lineNumber;
    if (line === undefined) throw state('the connection is on no line of this tenant');
    await this.hold(actor, callId, device);
    return this.makeCall(actor, { from: line, to });
  }

  /** TransferCall: the held call's other party is connected to the active call's; the device leaves both. */
  async transfer(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call> {
    const { active } = await this.pair(actor, heldCallId, activeCallId, device);
    return this.run(active.call, { kind: 'join', callId: activeCallId, heldCallId, party: active.connection.party });
  }

  /** The actor's held and active connections for TransferCall and ConferenceCall (one node switches both calls). */
  private async pair(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef) {
    const held = await this.connection(actor, heldCallId, device);
    const active = await this.connection(actor, activeCallId, device);
    if (held.connection.state !== 'held') throw state('the first call is not on hold');
    if (active.connection.state !== 'connected') throw state('the second call is not connected');
    if (held.call.node !== active.call.node) throw state('the two calls are switched by different nodes');
    return { held, active };
  }

  async singleStepTransfer(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.state !== 'connected') throw state('the connection is not connected');
    return this.run(call, { kind: 'transfer', callId, party: connection.party, to: to.trim() });
  }

  /** ConferenceCall: the held call's other party joins the active call; Parley mixes the three. */
  async conference(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call> {
    const { active } = await this.pair(actor, heldCallId, activeCallId, device);
    return this.run(active.call, {
      kind: 'conference',
      callId: activeCallId,
      heldCallId,
      party: active.connection.party,
    });
  }

  /** GenerateDigits: RFC 4733 telephone events from the device's connection to the other party. */
  async digits(actor: Actor, callId: string, digits: string, device?: DeviceRef): Promise<Call> {
    const { call, connection } = await this.connection(actor, callId, device);
    if (connection.state !== 'connected') throw state('the connection is not connected');
    return this.run(call, { kind: 'digits', callId, party: connection.party, digits });
  }

  async callBack(actor: Actor, o: { to: DeviceRef; from?: DeviceRef }): Promise<CallBackRequest> {
    const from = await this.ownLine(actor, o.from);
    const target = await this.lineOf(actor, o.to);
    return this.callBackService.request({ user: from.user, from: from.line, target });
  }

  async callBackOn(actor: Actor, callId: string): Promise<CallBackRequest> {
    const call = this.model.latest(callId);
    const caller = call?.connections.find((c) => c.role === 'calling');
    if (!call || call.tenantId !== actor.tenantId || !caller) throw notFound('call');
    if (actor.scope === 'user' && caller.party.userId !== actor.userId) throw notFound('call');
    if (call.answeredAt !== null) throw state('the call was answered');
    const { lineNumber: from } = caller.party;
    const to = call.called.lineNumber;
    if (from === undefined || to === undefined) throw state('the call was not between two lines of this tenant');
    return this.callBack(actor, { to, from });
  }

  async callBacks(actor: Actor, device?: DeviceRef): Promise<CallBackRequest[]> {
    if (device !== undefined) {
      const { userId, lineId } = await this.device(actor, device);
      return (await this.callBackService.list(actor.tenantId, userId)).filter((r) => r.fromLineId === lineId);
    }
    if (actor.userId === undefined) throw invalid('device', 'name the device');
    return this.callBackService.list(actor.tenantId, actor.userId);
  }

  async cancelCallBack(actor: Actor, ref: string | { to: DeviceRef; from?: DeviceRef }): Promise<CallBackRequest> {
    const mine = actor.scope === 'user' ? actor.userId : undefined;
    if (typeof ref === 'string') return this.callBackService.cancel(actor.tenantId, mine, ref);
    const from = await this.ownLine(actor, ref.from);
    const { line } = await this.lineOf(actor, ref.to);
    const pending = (await this.callBackService.list(actor.tenantId, from.user.id)).find(
      (r) => r.fromLineId === from.line.id && r.targetLineId === line.id,
    );
    if (!pending) throw notFound('call-back');
    return this.callBackService.cancel(actor.tenantId, mine, pending.id);
  }

  /**
   * Rings the user's line for a call-back (normally: the user asked to be rung) and then calls
   * `dialled`, switched by this node; resolves with the call's id.
   */
  async ringBack(o: { user: User; line: Line; dialled: string }): Promise<string> {
    const driver = this.driver;
    if (!driver) throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', 'SIP is off on this server');
    return driver.makeCall({ ...o, ring: true });
  }

  // Internals --------------------------------------------------------------------------------

  /** The line `ref` names in the actor's tenant (an address: the user's first line), with its owner. */
  private async lineOf(actor: Actor, ref: DeviceRef): Promise<{ line: Line; user: User }> {
    const value = ref.trim();
    if (value.includes('@')) {
      const user = await this.users.byAddress(value.toLowerCase());
      if (!user || user.tenantId !== actor.tenantId || user.disabledAt !== null) throw notFound(`device ${ref}`);
      const [line] = await this.lines.ofUser(actor.tenantId, user.id);
      if (!line) throw notFound(`a line of ${ref}`);
      return { line, user };
    }
    const owned = await this.lines.resolve(actor.tenantId, value);
    if (!owned) throw notFound(`device ${ref}`);
    return owned;
  }

  /** The actor's line `ref`, or (none named) a user's first line. */
  private async ownLine(actor: Actor, ref: DeviceRef | undefined): Promise<{ line: Line; user: User }> {
    if (ref !== undefined) {
      const found = await this.lineOf(actor, ref);
      if (actor.scope === 'user' && found.user.id !== actor.userId) throw notFound(`device ${ref}`);
      return found;
    }
    if (actor.userId === undefined) throw invalid('from', 'name the device');
    const user = await this.users.get(actor.tenantId, actor.userId);
    const [line] = await this.lines.ofUser(actor.tenantId, actor.userId);
    if (!line) throw notFound('a line of yours');
    return { line, user };
  }

  /** The call and the actor's live connection in it (on `device`'s line when named). */
  private async connection(
    actor: Actor,
    callId: string,
    device?: DeviceRef,
  ): Promise<{ call: Call; connection: Connection }> {
    const call = this.call(actor, callId);
    const line = device === undefined ? undefined : await this.device(actor, device);
    if (line === undefined && actor.userId === undefined) throw invalid('device', 'name the device');
    const mine = call.connections.filter(
      (c) => isLive(c) && (line ? c.party.lineId === line.lineId : c.party.userId === actor.userId),
    );
    const [connection] = mine;
    if (!connection) throw notFound('connection of that device in the call');
    if (mine.length > 1) throw invalid('device', 'you have more than one connection in this call: name the device');
    return { call, connection };
  }

  /** Carries out `op` on the node that switches `call`; resolves with the call after it. */
  private async run(call: Call, op: ControlOp): Promise<Call> {
    if (call.node === this.ctx.cluster.instance) await this.local(op);
    else await this.relay.ask(call, op);
    return this.after(call);
  }

  private async local(op: ControlOp): Promise<void> {
    if (!this.driver) throw new ParleyError('PARLEY_ERR_NOT_READY', 'the switch of this node is not running');
    await this.driver.operate(op);
  }

  /** The call as it stands now (its last version when it ended). */
  private after(call: Call): Call {
    return this.model.latest(call.id) ?? call;
  }
}

const state = (message: string) => new ParleyError('PARLEY_ERR_INVALID_STATE', message);
