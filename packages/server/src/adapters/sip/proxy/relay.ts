// A node as the edge proxy of the connections it holds (RFC 5626 §5.3, RFC 3327): a device that
// registers over TCP, TLS or WebSocket gets a Path through this node with a flow token, so any node
// reaches it through here; a request routed by that token goes over the held flow (record-routed
// when it makes a dialog), the device's requests in such a dialog go on to the node the dialog is
// with. Transaction-stateful (§16): responses return through the server transaction; ACKs of 2xx
// are forwarded statelessly. Only nodes of the cluster are forwarded to.
import type { Binding } from '../../../core/registrations/model.js';
import type { Logger } from '../../../platform/log.js';
import { ourAddress, viaFor } from '../b2bua/leg.js';
import type { Switch } from '../b2bua/types.js';
import { respond, type SipRequest } from '../message/index.js';
import { cancelFor, type ServerTransaction, TransactionLimitError } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { FlowTokens } from './flow-token.js';
import { type NodeLinks, nodeAddress } from './links.js';
import { decide, forwarded, isFlowRoute, type RouteDecision, upstream } from './route.js';

export interface RelayOptions {
  log: Logger;
  tokens: FlowTokens;
  /** This node's SIP address for the other nodes (host:port), named in the Path it records. */
  self(): string;
  /** Transactions and sending (the switch's, so responses find their way back). */
  sender: Pick<Switch, 'sendRequest' | 'respond' | 'send'>;
  /** The connection with this id, if this node still holds it. */
  connection(flowId: string): Flow | undefined;
  links: NodeLinks;
  /** The SIP addresses of the live nodes (fresh: read again). */
  nodeAddresses(fresh?: boolean): Promise<Map<string, string>>;
  newTag(): string;
}

/** The flow a request to a binding leaves on, and the Route set it carries. */
export interface Reach {
  flow: Flow;
  route: string[];
}

/** Connection-oriented transports: a device on one is reached only through the node holding it. */
export const held = (transport: string) => transport !== 'UDP';

export class SipRelay {
  /** The INVITE each relayed INVITE server transaction sent on (its CANCEL follows it). */
  private readonly invites = new WeakMap<ServerTransaction<Flow>, { request: SipRequest; flow: Flow }>();

  constructor(private readonly o: RelayOptions) {}

  /** The Path entry for a binding registered over `flow`: this node, with a token for the flow. */
  path(flow: Flow): string[] {
    return held(flow.transport) ? [`<sip:${this.o.tokens.sign(flow.id)}@${this.o.self()};transport=tcp;lr;ob>`] : [];
  }

  /**
   * How this node reaches a binding on a connection (`self`: this node's instance): over the
   * connection when this node holds it (its own Path entry left out), else over the link to the
   * node holding it, through that node's Path entry.
   */
  async reach(binding: Binding, self: string): Promise<Reach | undefined> {
    const path = binding.path ?? [];
    if (binding.node === self) {
      const flow = this.o.connection(binding.flow.id);
      return flow && { flow, route: isFlowRoute(path[0]) ? path.slice(1) : path };
    }
    if (!isFlowRoute(path[0])) return undefined;
    const address =
      (await this.o.nodeAddresses()).get(binding.node) ?? (await this.o.nodeAddresses(true)).get(binding.node);
    return address ? { flow: this.o.links.to(address), route: path } : undefined;
  }

  /** Takes a request routed through this node by a flow token (false: it is for this node's services). */
  request(request: SipRequest, tx: ServerTransaction<Flow>): boolean {
    const d = decide(request, tx.flow.id, this.o.tokens);
    if (d.kind === 'local') return false;
    const refuse = (status: number, reason: string) =>
      this.o.sender.respond(tx, respond(request, status, reason, { toTag: this.o.newTag() }));
    if (d.kind === 'refuse') refuse(d.status, d.reason);
    else if (d.kind === 'to-flow') {
      const flow = this.o.connection(d.flowId);
      if (!flow) refuse(430, 'Flow Failed');
      else this.forward(request, tx, flow, d.recordRoute ? this.recordRoute(flow, request) : undefined);
    } else {
      this.onward(d).then(
        (flow) => (flow ? this.forward(request, tx, flow) : refuse(403, 'Forbidden (not a node of this cluster)')),
        (err: unknown) => {
          this.o.log.warn({ err }, 'SIP relay could not read the nodes');
          refuse(503, 'Service Unavailable');
        },
      );
    }
    return true;
  }

  /** Forwards an ACK routed through this node, statelessly (false: it is for this node). */
  ack(ack: SipRequest, arrivedOn: Flow): boolean {
    const d = decide(ack, arrivedOn.id, this.o.tokens);
    if (d.kind === 'local') return false;
    const send = (flow: Flow | undefined) => flow && this.o.sender.send(forwarded(ack, viaFor(flow)), flow);
    if (d.kind === 'to-flow') send(this.o.connection(d.flowId));
    else if (d.kind === 'onward') this.onward(d).then(send, () => undefined);
    return true;
  }

  /** The caller cancelled a relayed INVITE (the router answered the CANCEL): the CANCEL goes on. */
  cancel(invite: ServerTransaction<Flow>): void {
    const relayed = this.invites.get(invite);
    if (relayed) this.o.sender.sendRequest(cancelFor(relayed.request), relayed.flow, () => undefined);
  }

  /** The link to the node an onward request goes to; undefined when it is no live node's SIP address. */
  private async onward(d: Extract<RouteDecision, { kind: 'onward' }>): Promise<Flow | undefined> {
    const next = nodeAddress(d.next.host, d.next.port);
    const known = async (fresh: boolean) => [...(await this.o.nodeAddresses(fresh)).values()].includes(next);
    if (next === this.o.self() || !((await known(false)) || (await known(true)))) return undefined;
    return this.o.links.to(next);
  }

  private forward(request: SipRequest, tx: ServerTransaction<Flow>, flow: Flow, recordRoute?: string): void {
    const out = forwarded(request, viaFor(flow), recordRoute);
    try {
      this.o.sender.sendRequest(out, flow, (response) => {
        if (response.status !== 100) this.o.sender.respond(tx, upstream(response));
      });
    } catch (err) {
      if (!(err instanceof TransactionLimitError)) throw err;
      this.o.sender.respond(tx, respond(request, 503, 'Service Unavailable', { toTag: this.o.newTag() }));
      return;
    }
    if (request.method === 'INVITE') this.invites.set(tx, { request: out, flow });
  }

  /** This node as the device on `flow` reaches it, with the same flow token (RFC 5626 §5.3). */
  private recordRoute(flow: Flow, request: SipRequest): string {
    const transport = flow.transport.toLowerCase();
    const scheme = request.uri.scheme === 'sips' ? 'sips' : 'sip';
    return `<${scheme}:${this.o.tokens.sign(flow.id)}@${ourAddress(flow).sentBy};transport=${transport};lr>`;
  }
}
