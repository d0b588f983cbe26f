import { pooledRandomBytes } from '../../../lib/random-pool.js';
import { respond } from '../message/index.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { cancelTargetKey, clientKey, matchesInvite, serverKey } from './matching.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import type { Scheduler, TimerHandle } from './scheduler.js';
import {
  type Action,
  type ClientEvent,
  type ServerEvent,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type TimerName,
  type TimerValues,
  timerValues,
} from './types.js';

type ClientMachine = InviteClientTransaction | NonInviteClientTransaction;
type ServerMachine = InviteServerTransaction | NonInviteServerTransaction;

/** One live transaction: its machine, the flow it talks over (the glue's), and its running timers. */
export class Transaction<Flow, M extends ClientMachine | ServerMachine = ClientMachine | ServerMachine> {
  readonly timers = new Map<TimerName, TimerHandle>();
  constructor(
    readonly key: string,
    readonly machine: M,
    readonly flow: Flow,
  ) {}
  get request(): SipRequest {
    return this.machine.request;
  }
}
export type ClientTransaction<Flow> = Transaction<Flow, ClientMachine>;
export type ServerTransaction<Flow> = Transaction<Flow, ServerMachine>;

/** The transaction user (UA core, proxy, registrar): what the layer hands up. */
export interface TransactionUser<Flow> {
  /** A new request with its new server transaction (not ACK, not CANCEL). */
  request(request: SipRequest, tx: ServerTransaction<Flow>): void;
  /** A CANCEL with its own server transaction and the INVITE transaction it cancels, if any (else 481). */
  cancel(cancel: SipRequest, tx: ServerTransaction<Flow>, invite: ServerTransaction<Flow> | undefined): void;
  /** An ACK no transaction absorbed (the ACK of a 2xx, §17.2.3 / RFC 6026) or passed up from Accepted. */
  ack(ack: SipRequest, flow: Flow): void;
  /** A response of a client transaction. */
  response(response: SipResponse, tx: ClientTransaction<Flow>): void;
  /** A response no client transaction matched (§17.1.3: the core or a proxy handles it statelessly). */
  strayResponse(response: SipResponse, flow: Flow): void;
  /** Timer B, F or H fired, or the transport failed. */
  failed(tx: Transaction<Flow>, reason: 'timeout' | 'transport-error'): void;
}

export interface TransactionLayerOptions<Flow> {
  readonly scheduler: Scheduler;
  readonly tu: TransactionUser<Flow>;
  /** Hands a message to the transport over `flow` (the glue resolves addresses, §18). */
  readonly send: (message: SipMessage, flow: Flow) => void;
  /** Live transactions at most; further new requests are refused with 503 (§21.5.4). */
  readonly maxTransactions: number;
  /**
   * Requests of one source (`sourceOf` names it, e.g. its address) the TU may be working on at
   * once, i.e. server transactions without a final response yet, so a flood from one place cannot
   * take the TU's work from everyone; beyond it, 503 too. Answered transactions that only absorb
   * retransmissions (timers J, H, I) do not count.
   */
  readonly maxPerSource?: number;
  readonly sourceOf?: (flow: Flow) => string;
  readonly timers?: Partial<TimerValues>;
  /** Makes To tags for the layer's own 503 responses. */
  readonly newTag?: () => string;
}

/** Thrown by `sendRequest` when the table is full. */
export class TransactionLimitError extends Error {
  constructor(limit: number) {
    super(`SIP transaction limit reached (${limit} live transactions)`);
    this.name = 'TransactionLimitError';
  }
}

/**
 * The transaction table of RFC 3261 §17: matches incoming messages to transactions, creates them,
 * drives their machines and runs the actions (send, pass up, timers), and forgets terminated ones.
 */
export class TransactionLayer<Flow> {
  private readonly table = new Map<string, Transaction<Flow>>();
  /** Unanswered server transactions per source (only with `maxPerSource`). */
  private readonly perSource = new Map<string, number>();
  private readonly unanswered = new WeakSet<Transaction<Flow>>();
  private readonly timers: TimerValues;
  private readonly newTag: () => string;

  constructor(private readonly options: TransactionLayerOptions<Flow>) {
    if (!Number.isInteger(options.maxTransactions) || options.maxTransactions < 1) {
      throw new RangeError('maxTransactions must be a positive integer');
    }
    this.timers = timerValues(options.timers);
    this.newTag = options.newTag ?? (() => pooledRandomBytes(6).toString('hex'));
  }

  /** How many transactions are live. */
  get size(): number {
    return this.table.size;
  }

  /** The server transaction a request belongs to, if it is live. */
  findServer(request: SipRequest): ServerTransaction<Flow> | undefined {
    const tx = this.table.get(serverKey(request));
    return tx && isServer(tx) ? tx : undefined;
  }

  receiveRequest(request: SipRequest, flow: Flow, reliable: boolean): void {
    const existing = this.findServer(request);
    if (request.method === 'ACK') {
      const absorbed =
        existing?.machine instanceof InviteServerTransaction &&
        matchesInvite(existing.request, existing.machine.response, request);
      if (existing && absorbed) this.drive(existing, { kind: 'request', request });
      else this.options.tu.ack(request, flow);
    } else if (existing) {
      this.drive(existing, { kind: 'request', request });
    } else if (this.table.size >= this.options.maxTransactions || this.sourceFull(flow)) {
      this.options.send(respond(request, 503, 'Service Unavailable', { toTag: this.newTag() }), flow);
    } else {
      this.createServer(request, flow, reliable);
    }
  }

  private createServer(request: SipRequest, flow: Flow, reliable: boolean): void {
    const machineOptions = { timers: this.timers, reliable };
    const machine =
      request.method === 'INVITE'
        ? new InviteServerTransaction(request, machineOptions)
        : new NonInviteServerTransaction(request, machineOptions);
    const tx: ServerTransaction<Flow> = new Transaction(serverKey(request), machine, flow);
    this.table.set(tx.key, tx);
    this.count(tx, 1);
    this.run(tx, machine.start());
    if (request.method !== 'CANCEL') {
      this.options.tu.request(request, tx);
      return;
    }
    const invite = this.table.get(cancelTargetKey(request));
    const target =
      invite && isServer(invite) && matchesInvite(invite.request, invite.machine.response, request)
        ? invite
        : undefined;
    this.options.tu.cancel(request, tx, target);
  }

  receiveResponse(response: SipResponse, flow: Flow): void {
    const tx = response.via.length > 0 ? this.table.get(clientKey(response)) : undefined;
    if (tx && !isServer(tx)) this.drive(tx, { kind: 'response', response });
    else this.options.tu.strayResponse(response, flow);
  }

  /** Starts a client transaction for `request` (not ACK: that is no transaction of its own, §17). */
  sendRequest(request: SipRequest, flow: Flow, reliable: boolean): ClientTransaction<Flow> {
    if (request.method === 'ACK') throw new TypeError('an ACK is sent by the TU, not in a client transaction');
    const key = clientKey(request);
    if (this.table.has(key)) throw new Error(`a client transaction ${key} is already live`);
    if (this.table.size >= this.options.maxTransactions) throw new TransactionLimitError(this.options.maxTransactions);
    const machineOptions = { timers: this.timers, reliable };
    const machine =
      request.method === 'INVITE'
        ? new InviteClientTransaction(request, machineOptions)
        : new NonInviteClientTransaction(request, machineOptions);
    const tx: ClientTransaction<Flow> = new Transaction(key, machine, flow);
    this.table.set(key, tx);
    this.run(tx, machine.start());
    return tx;
  }

  /** The TU's response on a server transaction. */
  respond(tx: ServerTransaction<Flow>, response: SipResponse): void {
    if (response.status >= 200) this.count(tx, -1);
    this.drive(tx, { kind: 'respond', response });
  }

  /** The transport could not deliver a message of `tx` (§18.4). */
  transportError(tx: Transaction<Flow>): void {
    this.drive(tx, { kind: 'transport-error' });
  }

  private drive(tx: Transaction<Flow>, event: ClientEvent | ServerEvent): void {
    if (this.table.get(tx.key) !== tx) return;
    const { machine } = tx;
    const server = machine instanceof InviteServerTransaction || machine instanceof NonInviteServerTransaction;
    switch (event.kind) {
      case 'response':
        if (!server) this.run(tx, machine.handle(event));
        break;
      case 'request':
      case 'respond':
        if (server) this.run(tx, machine.handle(event));
        break;
      default:
        this.run(tx, machine.handle(event));
    }
  }

  private run(tx: Transaction<Flow>, actions: Action[]): void {
    const { scheduler, tu, send } = this.options;
    for (const action of actions) {
      switch (action.kind) {
        case 'send':
          send(action.message, tx.flow);
          break;
        case 'pass-up':
          if ('status' in action.message) tu.response(action.message, tx as ClientTransaction<Flow>);
          else tu.ack(action.message, tx.flow);
          break;
        case 'timeout':
        case 'transport-error':
          tu.failed(tx, action.kind);
          break;
        case 'start-timer': {
          this.cancelTimer(tx, action.timer);
          const { timer } = action;
          tx.timers.set(
            timer,
            scheduler.setTimer(timer, action.ms, () => {
              tx.timers.delete(timer);
              this.drive(tx, { kind: 'timer', timer });
            }),
          );
          break;
        }
        case 'cancel-timer':
          this.cancelTimer(tx, action.timer);
          break;
        case 'terminated':
          for (const timer of [...tx.timers.keys()]) this.cancelTimer(tx, timer);
          this.count(tx, -1);
          this.table.delete(tx.key);
          break;
      }
    }
  }

  private sourceFull(flow: Flow): boolean {
    const { maxPerSource, sourceOf } = this.options;
    return (
      maxPerSource !== undefined && sourceOf !== undefined && (this.perSource.get(sourceOf(flow)) ?? 0) >= maxPerSource
    );
  }

  /** Counts a server transaction as unanswered (1) or no longer (-1), once each. */
  private count(tx: Transaction<Flow>, by: 1 | -1): void {
    const { maxPerSource, sourceOf } = this.options;
    if (maxPerSource === undefined || sourceOf === undefined) return;
    if (by === 1) this.unanswered.add(tx);
    else if (!this.unanswered.delete(tx)) return;
    const source = sourceOf(tx.flow);
    const n = (this.perSource.get(source) ?? 0) + by;
    if (n > 0) this.perSource.set(source, n);
    else this.perSource.delete(source);
  }

  private cancelTimer(tx: Transaction<Flow>, timer: TimerName): void {
    const handle = tx.timers.get(timer);
    if (handle === undefined) return;
    this.options.scheduler.cancelTimer(handle);
    tx.timers.delete(timer);
  }
}

function isServer<Flow>(tx: Transaction<Flow>): tx is ServerTransaction<Flow> {
  return tx.machine instanceof InviteServerTransaction || tx.machine instanceof NonInviteServerTransaction;
}
