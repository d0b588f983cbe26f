// Instant messages over SIP (RFC 3428): a device's MESSAGE is a message of its owner in the 1:1
// conversation with the addressed user, and every 1:1 message goes to the recipient's devices.

import { createHash } from 'node:crypto';
import type { Services } from '../../compose.js';
import { asParleyError } from '../../core/errors.js';
import type { EventOf } from '../../core/events.js';
import type { Binding } from '../../core/registrations/model.js';
import { pooledRandomBytes } from '../../lib/random-pool.js';
import type { Logger } from '../../platform/log.js';
import { newTag, viaFor } from './b2bua/leg.js';
import type { Switch } from './b2bua/types.js';
import {
  isSipUri,
  makeRequest,
  quote,
  respond,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  unquote,
} from './message/index.js';
import { parseParams } from './message/scan.js';
import { authenticateCaller } from './registrar/caller.js';
import type { DigestOptions } from './registrar/digest.js';
import { notFoundAs } from './registrar/registrar.js';
import type { ServerTransaction } from './transaction/index.js';
import type { Flow } from './transport/flow.js';

/** What a MESSAGE may carry (RFC 3428 §9: text/plain at least; RFC 3862 CPIM around it). */
export const MESSAGE_ACCEPT = 'text/plain, message/cpim';

export interface InstantMessagesOptions {
  core: Services;
  log: Logger;
  digest: DigestOptions;
  /** Sends our MESSAGEs in client transactions (the switch's, so responses find their way back). */
  sender: Pick<Switch, 'sendRequest'>;
  /** The flow that reaches a binding from this node and the Route set on it, if any. */
  reach(binding: Binding): Promise<{ flow: Flow; route: string[] } | undefined>;
}

type Created = EventOf<'message.created'>;

type BodyText = { ok: true; text: string } | { ok: false; status: 400 | 415; reason: string };

/** The text of a MESSAGE body: text/plain in UTF-8 (or US-ASCII, its subset), bare or in CPIM. */
export function bodyText(contentType: string | undefined, body: Buffer, cpim = true): BodyText {
  const media = mediaType(contentType ?? '');
  if (!media) return { ok: false, status: 400, reason: 'Bad Request (Content-Type)' };
  const { type, charset } = media;
  if (type === 'message/cpim' && cpim) {
    const inner = unwrapCpim(body);
    if (!inner) return { ok: false, status: 400, reason: 'Bad Request (CPIM)' };
    return bodyText(inner.contentType, inner.body, false);
  }
  if (type !== 'text/plain') return { ok: false, status: 415, reason: 'Unsupported Media Type' };
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'us-ascii') {
    return { ok: false, status: 415, reason: 'Unsupported Media Type (charset)' };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    return { ok: false, status: 400, reason: 'Bad Request (body is not UTF-8)' };
  }
}

/** A Content-Type's media type and charset (both lower case); undefined when its parameters are malformed. */
function mediaType(value: string): { type: string; charset: string | undefined } | undefined {
  const semi = value.indexOf(';');
  try {
    const charset = parseParams(semi < 0 ? '' : value.slice(semi)).get('charset');
    const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
    return { type, charset: charset ? unquote(charset).toLowerCase() : undefined };
  } catch {
    return undefined;
  }
}

/**
 * The content of a CPIM message (RFC 3862 §3): message headers, a blank line, MIME headers, a
 * blank line, the content. Its From and To are not checked: the request's digest says who sent it.
 */
function unwrapCpim(body: Buffer): { contentType: string | undefined; body: Buffer } | undefined {
  const blank = (from: number) => {
    const crlf = body.indexOf('\r\n\r\n', from);
    const lf = body.indexOf('\n\n', from);
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
    return lf >= 0 ? { at: lf, length: 2 } : undefined;
  };
  const first = blank(0);
  const second = first && blank(first.at + first.length);
  if (!first || !second) return undefined;
  const mime = body
    .subarray(first.at + first.length, second.at)
    .toString('utf8')
    .split(/\r?\n/);
  const contentType = mime
    .find((line) => /^content-type\s*:/i.test(line))
    ?.replace(/^[^:]*:/, '')
    .trim();
  return { contentType, body: body.subarray(second.at + second.length) };
}

/** The SIP answer to a core refusal of a message, undefined for errors that are not the sender's. */
export function refusalOf(err: unknown): { status: number; reason: string; retryAfter?: number } | undefined {
  const e = asParleyError(err);
  switch (e?.code) {
    case 'PARLEY_ERR_BODY_TOO_LARGE':
      return { status: 413, reason: 'Request Entity Too Large' };
    case 'PARLEY_ERR_TOO_MANY_REQUESTS':
      return { status: 503, reason: 'Service Unavailable (too many messages)', retryAfter: e.retryAfterSeconds ?? 1 };
    case 'PARLEY_ERR_FORBIDDEN':
      return { status: 403, reason: 'Forbidden' };
    case 'PARLEY_ERR_NOT_FOUND':
      return { status: 404, reason: 'Not Found' };
    case 'PARLEY_ERR_VALIDATION':
      return { status: 400, reason: 'Bad Request (empty message)' };
    default:
      return undefined;
  }
}

/**
 * SIP chat as the web app's 1:1 conversations. A MESSAGE out of a dialog from an authenticated
 * device (407) to `sip:user@domain` of its tenant is stored as its owner's message (200 once
 * stored). Every message created in a 1:1 goes as a MESSAGE to each registered device of the
 * recipient whose binding this node wrote, so each device gets it once in a cluster. The
 * sender's own devices get no copy (SIP phones would show it as received from themselves), so
 * the device that sent it never sees it echoed. Attachments go as lines `[file: NAME]`.
 */
export class InstantMessages {
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly o: InstantMessagesOptions) {}

  start(): void {
    this.unsubscribe ??= this.o.core.ctx.bus.subscribe('message.created', (e) => this.deliver(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** An out-of-dialog MESSAGE from a device. */
  async message(request: SipRequest, tx: ServerTransaction<Flow>): Promise<SipResponse> {
    const reply = (status: number, reason: string, headers: SipHeader[] = []) =>
      respond(request, status, reason, { toTag: newTag(), headers });
    if (request.maxForwards === 0) return reply(483, 'Too Many Hops');
    const { core } = this.o;
    const auth = await authenticateCaller(core, this.o.digest, request, tx.flow, newTag);
    if (!auth.ok) return auth.response;
    const target = await this.target(auth.tenant.id, request);
    if (!target) return reply(404, 'Not Found');
    if (target.id === auth.user.id) return reply(403, 'Forbidden (a 1:1 needs another user)');
    const body = bodyText(request.contentType, request.body);
    if (!body.ok) {
      return reply(body.status, body.reason, body.status === 415 ? [{ name: 'Accept', value: MESSAGE_ACCEPT }] : []);
    }
    const caller = { tenantId: auth.tenant.id, userId: auth.user.id };
    // The same MESSAGE again (a new transaction after a lost 200) is the same message.
    const clientId = `sip-${createHash('sha256')
      .update(`${auth.device.deviceId}\n${request.callId}\n${request.cseq.seq}`)
      .digest('base64url')}`;
    try {
      const direct = await core.messaging.conversations.direct(caller, target.id);
      await core.messaging.send(caller, direct, { text: body.text, clientId });
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      const retry =
        refusal.retryAfter === undefined ? [] : [{ name: 'Retry-After', value: String(refusal.retryAfter) }];
      return reply(refusal.status, refusal.reason, retry);
    }
    return reply(200, 'OK');
  }

  /** The enabled user of the caller's tenant the Request-URI names, if any. */
  private async target(tenantId: string, request: SipRequest) {
    const uri = request.uri;
    if (!isSipUri(uri) || uri.user === undefined) return undefined;
    const tenant = await this.o.core.tenants.byDomain(uri.host).catch(notFoundAs(undefined));
    if (tenant?.id !== tenantId) return undefined;
    const user = await this.o.core.users.byAddress(`${uri.user}@${uri.host}`);
    return user && user.tenantId === tenantId && user.disabledAt === null ? user : undefined;
  }

  /** A message of a 1:1, for one recipient: a MESSAGE to each of their devices this node registered. */
  private async deliver(e: Created): Promise<void> {
    const { core, log } = this.o;
    if (e.message.senderId === e.userId) return;
    const self = core.registrations.node;
    const targets: { binding: Binding; flow: Flow; route: string[] }[] = [];
    for (const binding of await core.registrations.of(e.tenantId, e.userId)) {
      const way = binding.node === self ? await this.o.reach(binding) : undefined;
      if (way) targets.push({ binding, ...way });
    }
    if (targets.length === 0) return;
    const { conversation, members } = await core.messaging.view(
      { tenantId: e.tenantId, userId: e.userId },
      e.conversationId,
    );
    if (conversation.kind !== 'direct') return;
    const sender = members.find((m) => m.userId === e.message.senderId);
    const recipient = members.find((m) => m.userId === e.userId);
    if (!sender || !recipient) return;
    const files = e.message.attachments.map((a) => `[file: ${a.name}]`);
    const text = [e.message.text, ...files].filter((line) => line !== '').join('\n');
    if (text === '') return;
    for (const { binding, flow, route } of targets) {
      try {
        const request = makeRequest(
          'MESSAGE',
          binding.contact,
          [
            viaFor(flow),
            { name: 'Max-Forwards', value: '70' },
            ...route.map((value) => ({ name: 'Route', value })),
            { name: 'From', value: `${quote(sender.displayName)} <sip:${sender.address}>;tag=${newTag()}` },
            { name: 'To', value: `<sip:${recipient.address}>` },
            { name: 'Call-ID', value: `${pooledRandomBytes(12).toString('base64url')}@parley` },
            { name: 'CSeq', value: '1 MESSAGE' },
            { name: 'Content-Type', value: 'text/plain;charset=UTF-8' },
          ],
          Buffer.from(text, 'utf8'),
        );
        this.o.sender.sendRequest(request, flow, (response) => {
          if (response.status >= 300) {
            log.debug({ status: response.status, deviceId: binding.deviceId }, 'SIP MESSAGE to a device refused');
          }
        });
      } catch (err) {
        log.warn({ err, deviceId: binding.deviceId }, 'SIP MESSAGE to a device not sent');
      }
    }
  }
}
