// The switch: routes calls from registered devices (and federated peers' users) to the devices
// of the dialled user (by SIP URI; lines and numbers come from the core) or to a federated domain,
// keeps the live back-to-back calls and dispatches the requests inside them.
import { randomUUID } from 'node:crypto';
import type { Services } from '../../../compose.js';
import type { Binding } from '../../../core/registrations/model.js';
import type { Logger } from '../../../platform/log.js';
import { callPeer, senderFrom, senderParty } from '../federation/calls.js';
import type { SipFederation } from '../federation/peers.js';
import { senderOf } from '../federation/sender.js';
import { isSipUri, respond, type SipRequest, type SipResponse } from '../message/index.js';
import type { DigestOptions } from '../registrar/digest.js';
import { notFoundAs } from '../registrar/registrar.js';
import type { ClientTransaction, ServerTransaction } from '../transaction/index.js';
import type { SipEndpoint } from '../transport/endpoint.js';
import type { Flow } from '../transport/flow.js';
import { BackToBackCall, type ForkTarget } from './call.js';
import { newTag } from './leg.js';
import { deviceParty, resolveTarget } from './target.js';
import type { CallParty, CallSink, Switch } from './types.js';

export interface SwitchOptions {
  core: Services;
  log: Logger;
  digest: DigestOptions;
  sink: CallSink;
  /** The flow that reaches a binding from this node and the Route set on it, if any. */
  reach(binding: Binding): Promise<{ flow: Flow; route: string[] } | undefined>;
  /** Federated domains: who may call in, and the connections to call out. */
  federation: SipFederation;
  ringSeconds: number;
  t1: number;
  t2: number;
}

export class CallSwitch implements Switch {
  endpoint!: SipEndpoint;
  readonly ringMs: number;
  readonly t1: number;
  readonly t2: number;
  /** Calls by the Call-ID of each of their legs. */
  private readonly byCallId = new Map<string, BackToBackCall>();
  /** Calls by the caller's INVITE server transaction (for CANCEL). */
  private readonly byInvite = new WeakMap<ServerTransaction<Flow>, BackToBackCall>();
  private readonly waiting = new WeakMap<ClientTransaction<Flow>, (response: SipResponse) => void>();

  constructor(private readonly o: SwitchOptions) {
    this.ringMs = o.ringSeconds * 1000;
    this.t1 = o.t1;
    this.t2 = o.t2;
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

  forget(call: BackToBackCall): void {
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
    else this.respond(tx, respond(request, 481, 'Call/Transaction Does Not Exist'));
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
    const sender = await senderOf(core, this.o.digest, this.o.federation, request, tx.flow, newTag);
    if (!sender.ok) return sender.response;
    const uri = request.uri;
    if (!isSipUri(uri) || uri.user === undefined) return reply(404, 'Not Found');
    const targetTenant = await core.tenants.byDomain(uri.host).catch(notFoundAs(undefined));
    if (!targetTenant && sender.kind === 'device' && this.o.federation.peer(uri.host))
      return callPeer(this, this.o, { request, tx, sender, user: uri.user, domain: uri.host });
    if (!targetTenant || targetTenant.id !== sender.tenant.id) return reply(404, 'Not Found (no route to that domain)');
    const target = await resolveTarget(core, targetTenant.id, uri.user, uri.host);
    if (!target) return reply(404, 'Not Found');
    const callee = target.user;
    const callerDevice = sender.kind === 'device' ? sender.device.deviceId : undefined;
    const bindings = (await core.registrations.of(callee.tenantId, callee.id)).filter(
      (b) => b.deviceId !== callerDevice && (!target.devices || target.devices.has(b.deviceId)),
    );
    const targets: ForkTarget[] = [];
    for (const b of bindings) {
      const way = await this.o.reach(b);
      if (way)
        targets.push({
          party: await deviceParty(core, callee, b.deviceId, target.line),
          contact: b.contact,
          ...way,
        });
    }
    if (targets.length === 0) return reply(480, 'Temporarily Unavailable (no device registered)');
    const call = this.place(request, tx, await senderParty(core, sender));
    const toValue = `<sip:${uri.user}@${uri.host}>`;
    const called = await deviceParty(core, callee, undefined, target.line);
    call.start(targets, senderFrom(sender), toValue, { tenantId: callee.tenantId, dialled: uri.user, party: called });
    this.track(call);
    return undefined;
  }

  /** A new call for the caller's INVITE (CANCEL finds it by its transaction). */
  place(request: SipRequest, tx: ServerTransaction<Flow>, caller: CallParty): BackToBackCall {
    const call = new BackToBackCall(randomUUID(), this, this.o.sink, caller, request, tx);
    this.byInvite.set(tx, call);
    return call;
  }

  /** Requests in the call's dialogs find it from now on. */
  track(call: BackToBackCall): void {
    for (const leg of call.legs) this.byCallId.set(leg.callId, call);
  }
}
