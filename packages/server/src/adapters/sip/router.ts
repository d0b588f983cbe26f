// The transaction user: what the server does with each request it receives (RFC 3261 §8.2, §16).
import type { Logger } from '../../platform/log.js';
import type { CallSwitch } from './b2bua/switch.js';
import type { InstantMessages } from './im.js';
import { respond, type SipRequest, type SipResponse } from './message/index.js';
import type { SipRelay } from './proxy/relay.js';
import type { Registrar } from './registrar/registrar.js';
import type { SimpleNotifier } from './simple/notifier.js';
import type { SimplePublisher } from './simple/publisher.js';
import {
  type ClientTransaction,
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ServerTransaction,
  type Transaction,
  type TransactionUser,
} from './transaction/index.js';
import type { SipEndpoint } from './transport/endpoint.js';
import type { Flow } from './transport/flow.js';

/** Methods this server answers; others get 405 with this list (§8.2.1). */
export const ALLOWED = [
  'REGISTER',
  'OPTIONS',
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'UPDATE',
  'INFO',
  'MESSAGE',
  'SUBSCRIBE',
  'PUBLISH',
  'REFER',
];

export interface RouterOptions {
  log: Logger;
  registrar: Registrar;
  calls: CallSwitch;
  im: InstantMessages;
  notifier: SimpleNotifier;
  publisher: SimplePublisher;
  /** Requests routed through this node to (or from) a connection it holds. */
  relay: SipRelay;
  newTag: () => string;
}

export class SipRouter implements TransactionUser<Flow> {
  endpoint!: SipEndpoint;

  constructor(private readonly o: RouterOptions) {}

  request(request: SipRequest, tx: ServerTransaction<Flow>): void {
    if (this.o.relay.request(request, tx)) return;
    this.answer(request, tx).then(
      (response) => response && this.endpoint.layer.respond(tx, response),
      (err: unknown) => {
        this.o.log.error({ err, method: request.method, callId: request.callId }, 'SIP request failed');
        this.endpoint.layer.respond(tx, respond(request, 500, 'Server Internal Error', { toTag: this.o.newTag() }));
      },
    );
  }

  private async answer(request: SipRequest, tx: ServerTransaction<Flow>): Promise<SipResponse | undefined> {
    if (request.to.params.get('tag') !== undefined && request.method === 'SUBSCRIBE') {
      this.o.notifier.inDialog(request, tx);
      return undefined;
    }
    if (request.to.params.get('tag') !== undefined && ALLOWED.includes(request.method)) {
      this.o.calls.inDialog(request, tx);
      return undefined;
    }
    const reply = (status: number, reason: string, headers = [] as { name: string; value: string }[]) =>
      respond(request, status, reason, { toTag: this.o.newTag(), headers });
    switch (request.method) {
      case 'INVITE':
        return this.o.calls.invite(request, tx);
      case 'BYE':
      case 'UPDATE':
        return reply(481, 'Call/Transaction Does Not Exist');
      case 'REFER':
        // Only a call's own party transfers it (RFC 3515 §2.4.2: a REFER may be refused).
        return reply(403, 'Forbidden (REFER only inside a call)');
      case 'MESSAGE':
        return this.o.im.message(request, tx);
      case 'SUBSCRIBE':
        return this.o.notifier.subscribe(request, tx);
      case 'PUBLISH':
        return this.o.publisher.publish(request, tx);
      case 'REGISTER':
        return this.o.registrar.register(request, tx.flow);
      case 'OPTIONS':
        // Answered alike for any address, so probing it tells nothing about accounts.
        return reply(200, 'OK', [
          { name: 'Allow', value: ALLOWED.join(', ') },
          { name: 'Accept', value: 'application/sdp' },
          { name: 'Supported', value: 'path, outbound' },
          { name: 'Allow-Events', value: 'presence, dialog, message-summary' },
        ]);
      default:
        return reply(405, 'Method Not Allowed', [{ name: 'Allow', value: ALLOWED.join(', ') }]);
    }
  }

  /** §9.2: the CANCEL is answered at once; the INVITE it cancels ends with 487. */
  cancel(cancel: SipRequest, tx: ServerTransaction<Flow>, invite: ServerTransaction<Flow> | undefined): void {
    const status = invite ? 200 : 481;
    this.endpoint.layer.respond(tx, respond(cancel, status, invite ? 'OK' : 'Call/Transaction Does Not Exist'));
    if (invite) {
      this.o.calls.cancel(invite);
      this.o.relay.cancel(invite);
    }
  }

  ack(ack: SipRequest, flow: Flow): void {
    if (!this.o.relay.ack(ack, flow)) this.o.calls.ack(ack);
  }

  response(response: SipResponse, tx: ClientTransaction<Flow>): void {
    this.o.calls.response(response, tx);
  }

  /** Responses no transaction matched (a 2xx retransmitted after its transaction ended) need nothing. */
  strayResponse(): void {}

  failed(tx: Transaction<Flow>, reason: 'timeout' | 'transport-error'): void {
    this.o.log.debug({ method: tx.request.method, callId: tx.request.callId, reason }, 'SIP transaction failed');
    if (tx.machine instanceof InviteClientTransaction || tx.machine instanceof NonInviteClientTransaction) {
      this.o.calls.failed(tx as ClientTransaction<Flow>);
    }
  }
}
