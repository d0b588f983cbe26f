// The switch: routes calls from registered devices (and federated peers' users) to the devices
// of the dialled user (by SIP URI; lines and numbers come from the core) or to a federated domain,
// keeps the live back-to-back calls and dispatches the requests inside them.
import { randomUUID } from 'node:crypto';
import type { Services } from '../../../compose.js';
import { ParleyError } from '../../../core/errors.js';
import type { Line } from '../../../core/lines/model.js';
import type { Binding } from '../../../core/registrations/model.js';
import type { User } from '../../../core/users/model.js';
import type { Logger } from '../../../platform/log.js';
import { callPeer, nameAddr, senderFrom, senderParty, userNameAddr } from '../federation/calls.js';
import type { SipFederation } from '../federation/peers.js';
import { senderOf } from '../federation/sender.js';
import type { MediaSettings } from '../media/index.js';
import { isSipUri, respond, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';
import type { DigestOptions } from '../registrar/digest.js';
import { notFoundAs } from '../registrar/registrar.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/index.js';
import type { SipEndpoint } from '../transport/endpoint.js';
import type { Flow } from '../transport/flow.js';
import { callFromTrunk, callOut, type TrunkFlowFor, trunkTarget } from '../trunk/calls.js';
import { autoAnswerHeaders, BackToBackCall, type ForkTarget } from './call.js';
import type { DialogCall } from './dialogs.js';
import { featureCode, pickUpByCode } from './feature-codes.js';
import { newTag } from './leg.js';
import type { Diversion, Fallbacks } from './parts.js';
import { Referrals } from './refer.js';
import { pickUpByReplaces } from './replaces.js';
import { deviceParty, findDialled, reachesNobody, resolveTarget, ringTargets, type Target } from './target.js';
import type { CallParty, CallSide, CallSink, DivertCause, Switch } from './types.js';
import { UaCstaSessions } from './uacsta-session.js';

export interface SwitchOptions {
  core: Services;
  log: Logger;
  digest: DigestOptions;
  sink: CallSink;
  /** The flow that reaches a binding from this node and the Route set on it, if any. */
  reach(binding: Binding): Promise<{ flow: Flow; route: string[] } | undefined>;
  /** Federated domains: who may call in, and the connections to call out. */
  federation: SipFederation;
  /** The node's media settings, made when first needed. */
  media: () => MediaSettings;
  /** Flows to SIP trunks (calls to numbers outside the tenant). */
  trunkFlows: TrunkFlowFor;
  ringSeconds: number;
  t1: number;
  t2: number;
}

export class CallSwitch implements Switch {
  endpoint!: SipEndpoint;
  readonly log: Logger;
  readonly ringMs: number;
  readonly t1: number;
  readonly t2: number;
  /** Calls by the Call-ID of each of their legs. */
  private readonly byCallId = new Map<string, DialogCall>();
  /** Calls by the caller's INVITE server transaction (for CANCEL). */
  private readonly byInvite = new WeakMap<ServerTransaction<Flow>, BackToBackCall>();
  private readonly waiting = new WeakMap<ClientTransaction<Flow>, (response: SipResponse) => void>();
  /** Calls not ended yet, by id. */
  private readonly live = new Map<string, BackToBackCall>();

  private mediaSettings: MediaSettings | undefined;
  readonly uaCsta = new UaCstaSessions(this);
  private readonly referrals: Referrals;

  constructor(private readonly o: SwitchOptions) {
    this.log = o.log;
    this.ringMs = o.ringSeconds * 1000;
    this.t1 = o.t1;
    this.t2 = o.t2;
    this.referrals = new Referrals({ core: o.core, sink: o.sink, sw: this, callOf: (id) => this.byCallId.get(id) });
  }

  refer(call: DialogCall, side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void {
    this.referrals.refer(call, side, request, tx);
  }

  media(): MediaSettings {
    try {
      this.mediaSettings ??= this.o.media();
    } catch (err) {
      throw new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', err instanceof Error ? err.message : String(err));
    }
    return this.mediaSettings;
  }

  sendRequest(request: SipRequest, flow: Flow, onResponse: (response: SipResponse) => void): void {
    const tx = this.endpoint.layer.sendRequest(request, flow, flow.reliable);
    this.waiting.set(tx, onResponse);
  }

  respond(tx: ServerTransaction<Flow>, response: SipResponse): void {
    this.endpoint.layer.respond(tx, response);
  }

  send(message: SipRequest | SipResponse, flow: Flow): void {
    this.endpoint.send(message, flow);
  }

  forget(call: DialogCall): void {
    this.live.delete(call.id);
    // Late BYEs and retransmissions still find it for a while; then it goes.
    setTimeout(() => {
      for (const leg of call.legs) if (this.byCallId.get(leg.callId) === call) this.byCallId.delete(leg.callId);
    }, 64 * this.t1).unref();
  }

  /** A response of one of our client transactions. */
  response(response: SipResponse, tx: ClientTransaction<Flow>): void {
    this.waiting.get(tx)?.(response);
  }

  /** A client transaction timed out or its transport failed: the waiting call sees a 408 (§8.1.3.1). */
  failed(tx: ClientTransaction<Flow>): void {
    this.waiting.get(tx)?.(respond(tx.request, 408, 'Request Timeout', { toTag: newTag() }));
  }

  /** A request with a To tag: it belongs to a call's dialog, or gets 481. */
  inDialog(request: SipRequest, tx: ServerTransaction<Flow>): void {
    const call = this.byCallId.get(request.callId);
    const side = call?.sideOf(request);
    if (call && side) call.inDialog(side, request, tx);
    else if (!this.uaCsta.inDialog(request, tx))
      this.respond(tx, respond(request, 481, 'Call/Transaction Does Not Exist'));
  }

  ack(request: SipRequest): void {
    this.byCallId.get(request.callId)?.ack(request);
  }

  cancel(invite: ServerTransaction<Flow>): void {
    this.byInvite.get(invite)?.cancel();
  }

  /**
   * A new INVITE: the caller authenticates as one of its tenant's devices (407, so probing tells
   * nothing about which numbers exist) or comes from a federated peer; the target is found, and
   * the call forks to every device of the target registered now. A device may call a user of a
   * federated domain (one leg over TLS to that domain's server).
   */
  async invite(request: SipRequest, tx: ServerTransaction<Flow>): Promise<SipResponse | undefined> {
    const reply = (status: number, reason: string) => respond(request, status, reason, { toTag: newTag() });
    if (request.maxForwards === 0) return reply(483, 'Too Many Hops');
    const { core } = this.o;
    // A trunk is known by its address, never for a request From one of our domains (a device's).
    const from = request.from.uri;
    const ours = isSipUri(from) && (await core.tenants.byDomain(from.host).catch(notFoundAs(undefined)));
    const trunks = ours ? [] : await core.trunks.from(tx.flow.remote.address, tx.flow.remote.port);
    if (trunks.length > 0) return callFromTrunk(this, this.o.core, { request, tx, trunks });
    const sender = await senderOf(core, this.o.digest, this.o.federation, request, tx.flow, newTag);
    if (!sender.ok) return sender.response;
    const replacing = singleHeader(request.headers, 'Replaces');
    if (replacing !== undefined)
      return pickUpByReplaces({ core, callOf: (id) => this.byCallId.get(id) }, request, tx, sender, replacing);
    const uri = request.uri;
    if (!isSipUri(uri) || uri.user === undefined) return reply(404, 'Not Found');
    const targetTenant = await core.tenants.byDomain(uri.host).catch(notFoundAs(undefined));
    if (!targetTenant && sender.kind === 'device' && this.o.federation.peer(uri.host))
      return callPeer(this, this.o, { request, tx, sender, user: uri.user, domain: uri.host });
    if (!targetTenant || targetTenant.id !== sender.tenant.id) return reply(404, 'Not Found (no route to that domain)');
    const code = sender.kind === 'device' ? featureCode(uri.user) : undefined;
    if (code && sender.kind === 'device') return pickUpByCode(this, core, { request, tx, sender, code });
    const caller = await senderParty(core, sender);
    const target = await resolveTarget(core, targetTenant.id, uri.user, uri.host);
    if (!target)
      return sender.kind === 'device'
        ? callOut(this, this.o, {
            request,
            tx,
            tenantId: targetTenant.id,
            dialled: uri.user,
            caller,
            from: senderFrom(sender),
          })
        : reply(404, 'Not Found');
    return this.ring(request, tx, {
      target,
      caller,
      from: senderFrom(sender),
      to: `<sip:${uri.user}@${uri.host}>`,
      dialled: uri.user,
      ...(sender.kind === 'device' && { callerDevice: sender.device.deviceId }),
    });
  }

  /** A call to a line or user of the tenant, by the callee's call settings (see `plan`). */
  async ring(
    request: SipRequest,
    tx: ServerTransaction<Flow>,
    c: { target: Target; caller: CallParty; from: string; to: string; dialled: string; callerDevice?: string },
  ): Promise<SipResponse | undefined> {
    const { core } = this.o;
    const { target } = c;
    const plan = await this.plan(target, c.caller, c.callerDevice);
    if (plan.kind === 'ring' && plan.targets.length === 0 && !plan.forward)
      return respond(request, 480, 'Temporarily Unavailable (no device registered)', { toTag: newTag() });
    const call = this.place(request, tx, c.caller);
    const called = {
      tenantId: target.user.tenantId,
      dialled: c.dialled,
      party: await deviceParty(core, target.user, undefined, target.line),
    };
    this.track(call);
    if (plan.kind === 'refuse') call.decline(called, 486, 'Busy Here (do not disturb)', 'doNotDisturb');
    else if (plan.forward && plan.forward.targets.length === 0)
      call.decline(
        called,
        480,
        'Temporarily Unavailable (the forwarding target is not reachable)',
        'destNotObtainable',
      );
    else {
      call.start(plan.targets, c.from, c.to, called, plan.fallbacks);
      if (plan.forward) call.divert(plan.forward.targets, plan.forward.party, plan.forward.cause);
    }
    return undefined;
  }

  /**
   * How a call for `target` goes by the callee's call settings (`core.forwarding`): refused (do not
   * disturb); forwarded at once (immediately, or because no device of theirs is registered and they
   * forward on busy or no answer); or ringing their devices with forwarding on busy and no answer.
   * Targets are lines and users of the tenant, or numbers outside it over its trunk; with remote
   * office on, its number rings with the devices (as the user's line: they answer there).
   */
  private async plan(
    target: Target,
    caller: CallParty,
    except?: string,
  ): Promise<
    | { kind: 'refuse' }
    | { kind: 'ring'; targets: ForkTarget[]; fallbacks: Fallbacks; forward?: Diversion & { cause: DivertCause } }
  > {
    const tenantId = target.user.tenantId;
    const decision = await this.o.core.forwarding.decide(tenantId, target.user.id);
    if (decision.kind === 'refuse') return { kind: 'refuse' };
    const reach = async (to: string, as?: (number: string) => CallParty): Promise<Diversion> => {
      try {
        return await this.divertTargets(tenantId, to, caller, as);
      } catch (err) {
        this.o.log.warn({ err, tenantId, userId: target.user.id }, 'forwarding target not reachable');
        return { targets: [], party: { number: to } };
      }
    };
    if (decision.kind === 'forward')
      return {
        kind: 'ring',
        targets: [],
        fallbacks: {},
        forward: { ...(await reach(decision.to)), cause: decision.cause },
      };
    const targets = await ringTargets(this.o, target, except);
    if (decision.alsoRing !== null) {
      const line = await deviceParty(this.o.core, target.user, undefined, target.line);
      const office = await reach(decision.alsoRing, (number) => ({ ...line, number }));
      targets.push(...office.targets);
    }
    const fallbacks: Fallbacks = {
      ...(decision.onBusy !== null && { busy: await reach(decision.onBusy) }),
      ...(decision.onNoAnswer !== null && {
        noAnswer: { ...(await reach(decision.onNoAnswer.to)), afterMs: decision.onNoAnswer.afterSeconds * 1000 },
      }),
    };
    const unreachable = fallbacks.noAnswer ?? fallbacks.busy;
    if (targets.length === 0 && unreachable)
      return {
        kind: 'ring',
        targets,
        fallbacks: {},
        forward: { ...unreachable, cause: fallbacks.noAnswer ? 'callForwardNoAnswer' : 'callForwardBusy' },
      };
    return { kind: 'ring', targets, fallbacks };
  }

  /**
   * MakeCall (RFC 3725): rings `line`'s device with auto-answer hints (the first of `ringTargets`;
   * `ring`: without them, a call-back the user asked to be rung for); once it answers, calls
   * `dialled` (a line or an address of the tenant, or a number outside over its trunk) from it.
   * Throws PARLEY_ERR_DEVICE_UNREACHABLE when either side has no device registered.
   */
  async makeCall(o: { user: User; line: Line; dialled: string; ring?: boolean }): Promise<BackToBackCall> {
    const { core } = this.o;
    const { user, line } = o;
    const devices = new Set((await core.devices.ofLine(user.tenantId, line.id)).map((d) => d.id));
    const [at] = await ringTargets(this.o, { user, line, devices });
    if (!at) throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', `no device of line ${line.number} is registered`);
    const { targets, called, uri, display, fallbacks } = await this.dialling(user, o.dialled, at.party);
    if (targets.length === 0)
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', `${o.dialled} has no device registered`);
    const call = BackToBackCall.placing(randomUUID(), this, this.o.sink, at.party, {
      ...at,
      from: nameAddr(uri, display),
      to: userNameAddr(user),
      hints: o.ring ? [] : autoAnswerHeaders(user.domain),
    });
    this.live.set(call.id, call);
    call.ringCaller(
      targets,
      userNameAddr(user),
      nameAddr(uri),
      { tenantId: user.tenantId, dialled: o.dialled, party: called },
      fallbacks,
    );
    this.track(call);
    return call;
  }

  /**
   * What MakeCall rings for `dialled`: a line or user of the tenant by their call settings (refused
   * under do not disturb; forwarded at once: the forwarding target is called, and is the called
   * party), else a number outside over the tenant's trunk.
   */
  private async dialling(
    user: User,
    dialled: string,
    caller: CallParty,
  ): Promise<{ targets: ForkTarget[]; called: CallParty; uri: string; display?: string; fallbacks?: Fallbacks }> {
    const inside = await findDialled(this.o.core, user.tenantId, dialled, user.domain);
    if (!inside) {
      const outside = await this.divertTargets(user.tenantId, dialled, caller);
      return { targets: outside.targets, called: outside.party, uri: outside.uri };
    }
    const { target, uri } = inside;
    const plan = await this.plan(target, caller, caller.deviceId);
    if (plan.kind === 'refuse')
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', `${dialled} takes no calls now (do not disturb)`);
    return {
      targets: plan.forward?.targets ?? plan.targets,
      called: plan.forward?.party ?? (await deviceParty(this.o.core, target.user, undefined, target.line)),
      uri,
      display: target.user.displayName,
      fallbacks: plan.fallbacks,
    };
  }

  /** The live back-to-back call of a core call this node switches. */
  callOfCore(coreCallId: string): BackToBackCall | undefined {
    const id = this.o.sink.switched(coreCallId);
    return id === undefined ? undefined : this.live.get(id);
  }

  /** A live back-to-back call by its id. */
  call(id: string): BackToBackCall | undefined {
    return this.live.get(id);
  }

  /**
   * The devices a ringing call goes to for `dialled` (deflection, forwarding) or for a user's line
   * (pickup), with that party; a number outside the tenant is one fork over its trunk, ringing as
   * `as(e164)` (default: the number), `caller`'s number presented as the trunk says.
   */
  async divertTargets(
    tenantId: string,
    dialled: string,
    caller?: CallParty,
    as?: (e164: string) => CallParty,
  ): Promise<Diversion & { uri: string }> {
    const { core } = this.o;
    const tenant = await core.tenants.get(tenantId);
    const inside = await findDialled(core, tenantId, dialled, tenant.domains[0] ?? '');
    if (inside)
      return {
        targets: await ringTargets(this.o, inside.target),
        party: await deviceParty(core, inside.target.user, undefined, inside.target.line),
        uri: inside.uri,
      };
    const e164 = await core.trunks.external(tenantId, dialled);
    if (!e164) throw reachesNobody(dialled);
    const fork = await trunkTarget(core, this.o.trunkFlows, {
      tenantId,
      e164,
      ...(caller && { caller }),
      ...(as && { party: as(e164) }),
    });
    if (!fork)
      throw new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE', `${dialled} is outside the tenant, which has no trunk`);
    return { targets: [fork], party: fork.party, uri: fork.party.uri ?? `sip:${e164}` };
  }

  /** A new call for the caller's INVITE (CANCEL finds it by its transaction). */
  place(request: SipRequest, tx: ServerTransaction<Flow>, caller: CallParty): BackToBackCall {
    const call = BackToBackCall.answering(randomUUID(), this, this.o.sink, caller, request, tx);
    this.byInvite.set(tx, call);
    this.live.set(call.id, call);
    return call;
  }

  /** Requests in the call's dialogs find it from now on. */
  track(call: DialogCall): void {
    for (const leg of call.legs) this.byCallId.set(leg.callId, call);
  }
}
