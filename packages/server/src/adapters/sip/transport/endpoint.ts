// The SIP transport layer (RFC 3261 §18): messages in from flows, parse errors answered, Via
// stamped with received/rport (§18.2.1, RFC 3581), handed to the transaction layer; messages out.
import type { Logger } from '../../../platform/log.js';
import {
  buildResponse,
  PONG,
  parseDatagram,
  renderMessage,
  renderResponse,
  renderVia,
  type SipLimits,
  type SipMessage,
  SipParseError,
  type SipRequest,
  SipStreamFramer,
} from '../message/index.js';
import { type Scheduler, TransactionLayer, type TransactionUser } from '../transaction/index.js';
import type { Flow } from './flow.js';

export interface EndpointOptions {
  limits: SipLimits;
  maxTransactions: number;
  /** Live server transactions one source address may hold. */
  maxTransactionsPerSource: number;
  maxConnections: number;
  scheduler: Scheduler;
  log: Logger;
  tu: TransactionUser<Flow>;
  /** Called for every message received or sent (tests record transcripts with it). */
  trace?: (direction: 'in' | 'out', message: SipMessage, flow: Flow) => void;
}

/** What a stream transport feeds for one connection. */
export interface StreamSink {
  data(chunk: Buffer): void;
  closed(): void;
}

/** Request methods the parse-error path may answer; a broken ACK is never answered (§17.2.3). */
const NEVER_ANSWERED = new Set(['ACK']);

export class SipEndpoint {
  readonly layer: TransactionLayer<Flow>;
  /** Open connections (TCP, TLS, WebSocket) by flow id. */
  private readonly connections = new Map<string, Flow>();

  constructor(private readonly options: EndpointOptions) {
    this.layer = new TransactionLayer<Flow>({
      scheduler: options.scheduler,
      tu: options.tu,
      maxTransactions: options.maxTransactions,
      maxPerSource: options.maxTransactionsPerSource,
      sourceOf: (flow) => flow.remote.address,
      send: (message, flow) => this.send(message, flow),
    });
  }

  /** The open connection with this id, if it is still open on this node. */
  connection(id: string): Flow | undefined {
    return this.connections.get(id);
  }

  send(message: SipMessage, flow: Flow): void {
    this.options.trace?.('out', message, flow);
    flow.send(renderMessage(message));
  }

  /** One UDP datagram or WebSocket message: exactly one SIP message (§18.3, RFC 7118 §5). */
  datagram(bytes: Buffer, flow: Flow): void {
    if (bytes.length <= 4 && /^[\r\n]*$/.test(bytes.toString('latin1'))) return; // keep-alive (RFC 5626 §4.4.2)
    let message: SipMessage;
    try {
      message = parseDatagram(bytes, this.options.limits);
    } catch (error) {
      this.refuse(error, flow);
      return;
    }
    this.receive(message, flow);
  }

  /**
   * Opens a connection: returns where its bytes go, or undefined when the table is full (the
   * caller closes it at once).
   */
  open(flow: Flow): StreamSink | undefined {
    if (!this.admit(flow)) return undefined;
    const framer = new SipStreamFramer(this.options.limits);
    return {
      data: (chunk) => {
        for (const event of framer.push(chunk)) {
          if (event.kind === 'ping') flow.send(PONG);
          else if (event.kind === 'message') this.receive(event.message, flow);
          else if (event.kind === 'error') {
            this.refuse(event.error, flow);
            if (event.error.action === 'close') flow.close();
          }
        }
      },
      closed: () => this.connections.delete(flow.id),
    };
  }

  /** Opens a connection whose messages arrive whole (WebSocket): no framing. */
  openFramed(flow: Flow): { closed(): void } | undefined {
    return this.admit(flow) ? { closed: () => this.connections.delete(flow.id) } : undefined;
  }

  /** Takes a connection into the table unless it is full (`sip.limits.maxConnections`). */
  private admit(flow: Flow): boolean {
    if (this.connections.size >= this.options.maxConnections) {
      this.options.log.warn(
        { remote: flow.remote, limit: this.options.maxConnections },
        'SIP connection refused: table full',
      );
      return false;
    }
    this.connections.set(flow.id, flow);
    return true;
  }

  private receive(message: SipMessage, flow: Flow): void {
    if (message.kind === 'response') {
      this.options.trace?.('in', message, flow);
      this.layer.receiveResponse(message, flow);
      return;
    }
    const stamped = stampVia(message, flow);
    this.options.trace?.('in', stamped, flow);
    this.layer.receiveRequest(stamped, flow, flow.reliable);
  }

  /** A message that did not parse: answered when it can be (§21.4.1), else dropped; logged. */
  private refuse(error: unknown, flow: Flow): void {
    if (!(error instanceof SipParseError)) throw error;
    this.options.log.debug(
      { remote: flow.remote, transport: flow.transport, reason: error.reason },
      'SIP message refused',
    );
    const context = error.context;
    if (!context || error.action === 'drop' || NEVER_ANSWERED.has(context.method)) return;
    const reason = error.status === 505 ? 'Version Not Supported' : `Bad Request (${error.reason})`;
    flow.send(renderResponse(buildResponse(context, error.status, reason.replace(/[\r\n]/g, ' ').slice(0, 120))));
  }
}

/**
 * The top Via as the server saw it (RFC 3261 §18.2.1, RFC 3581 §4): `received` when the sent-by
 * host is not the source address, and with `rport` asked for, the source port (and `received`).
 */
export function stampVia(request: SipRequest, flow: Flow): SipRequest {
  const [top] = request.via;
  if (!top) return request;
  const rport = top.rport === true;
  const moved = top.host.replace(/^\[|\]$/g, '').toLowerCase() !== flow.remote.address.toLowerCase();
  if (!rport && !moved) return request;
  const params = new Map(top.params);
  if (rport) params.set('rport', String(flow.remote.port));
  params.set('received', flow.remote.address);
  const via = { ...top, params, received: flow.remote.address, rport: rport ? flow.remote.port : top.rport };
  const index = request.headers.findIndex((h) => h.name === 'Via');
  const headers = request.headers.map((h, i) => (i === index ? { name: 'Via', value: renderVia(via) } : h));
  return { ...request, headers, via: [via, ...request.via.slice(1)] };
}
