// One side of a back-to-back call: a dialog (RFC 3261 §12) between a device and this server.

import { randomInt } from 'node:crypto';
import { pooledRandomBytes } from '../../../lib/random-pool.js';
import {
  headerValues,
  makeRequest,
  renderUri,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  singleHeader,
} from '../message/index.js';
import type { Flow } from '../transport/flow.js';

export const newTag = () => pooledRandomBytes(6).toString('hex');
export const newBranch = () => `z9hG4bK${pooledRandomBytes(9).toString('base64url')}`;

/** Our sent-by and Contact on a flow; a WebSocket client cannot reach us but over its connection (RFC 7118 §5). */
export function ourAddress(flow: Flow): { sentBy: string; contact: string } {
  if (flow.transport === 'WS' || flow.transport === 'WSS') {
    return {
      sentBy: 'parley.invalid',
      contact: `<sip:parley@parley.invalid;transport=${flow.transport.toLowerCase()}>`,
    };
  }
  const host = flow.local.address.includes(':') ? `[${flow.local.address}]` : flow.local.address;
  const sentBy = `${host}:${flow.local.port}`;
  const transport = flow.transport === 'UDP' ? '' : `;transport=${flow.transport.toLowerCase()}`;
  return { sentBy, contact: `<sip:${sentBy}${transport}>` };
}

/** A Via header for a new request of ours over `flow`. */
export const viaFor = (flow: Flow, branch = newBranch()): SipHeader => ({
  name: 'Via',
  value: `SIP/2.0/${flow.transport} ${ourAddress(flow).sentBy};branch=${branch};rport`,
});

const header = (message: SipRequest | SipResponse, name: string) => singleHeader(message.headers, name) ?? '';
const withoutTag = (value: string) => value.replace(/;\s*tag\s*=\s*[^;]*/i, '');

export class Leg {
  remoteTag: string | undefined;
  /** The remote side's CSeq in this dialog (requests from it must rise). */
  remoteSeq: number | undefined;
  localSeq = randomInt(1, 10_000);
  routeSet: string[] = [];
  /** Runs once before our BYE to a device a transfer moved out (its REFER's final NOTIFY goes first). */
  onTransferred: (() => void) | undefined;

  private constructor(
    readonly callId: string,
    readonly localTag: string,
    /** Our identity in From (requests we send) / To (responses), without the tag. */
    readonly localUri: string,
    /** The device's identity, without the tag. */
    readonly remoteUri: string,
    public remoteTarget: string,
    public flow: Flow,
  ) {}

  /** The leg of an INVITE we received (we are its UAS): its dialog once we answer with our tag. */
  static answering(invite: SipRequest, flow: Flow): Leg {
    const contact = invite.contact === '*' ? undefined : invite.contact?.[0];
    const leg = new Leg(
      invite.callId,
      newTag(),
      withoutTag(header(invite, 'To')),
      withoutTag(header(invite, 'From')),
      contact ? renderUri(contact.uri) : renderUri(invite.uri),
      flow,
    );
    leg.remoteTag = invite.from.params.get('tag') ?? undefined;
    leg.remoteSeq = invite.cseq.seq;
    leg.routeSet = headerValues(invite.headers, 'Record-Route');
    return leg;
  }

  /** A leg we place: an INVITE to `target` (a registered contact) over `flow`. */
  static calling(from: string, to: string, target: string, flow: Flow, route: string[] = []): Leg {
    const leg = new Leg(`${pooledRandomBytes(12).toString('base64url')}@parley`, newTag(), from, to, target, flow);
    leg.routeSet = route;
    return leg;
  }

  /** Learns the remote tag, target and route set from a response to our INVITE (§12.1.2). */
  learn(response: SipResponse): void {
    const tag = response.to.params.get('tag');
    if (tag) this.remoteTag = tag;
    this.refresh(response);
    if (response.status >= 101) this.routeSet = headerValues(response.headers, 'Record-Route').reverse();
  }

  /** A target refresh (§12.2.1.2): a 2xx to a re-INVITE may name a new remote target; the route set stays. */
  refresh(response: SipResponse): void {
    const contact = response.contact === '*' ? undefined : response.contact?.[0];
    if (contact) this.remoteTarget = renderUri(contact.uri);
  }

  /** Whether a request from the device belongs to this leg's dialog. */
  owns(request: SipRequest): boolean {
    return (
      request.callId === this.callId &&
      request.to.params.get('tag') === this.localTag &&
      request.from.params.get('tag') === this.remoteTag
    );
  }

  /** A request of ours in this dialog (§12.2.1.1): a new CSeq, except for ACK and CANCEL which reuse one. */
  request(method: string, options: { seq?: number; headers?: SipHeader[]; body?: Buffer } = {}): SipRequest {
    const seq = options.seq ?? ++this.localSeq;
    const to = this.remoteTag === undefined ? this.remoteUri : `${this.remoteUri};tag=${this.remoteTag}`;
    return makeRequest(
      method,
      this.remoteTarget,
      [
        viaFor(this.flow),
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `${this.localUri};tag=${this.localTag}` },
        { name: 'To', value: to },
        { name: 'Call-ID', value: this.callId },
        { name: 'CSeq', value: `${seq} ${method}` },
        ...this.routeSet.map((value) => ({ name: 'Route', value })),
        ...(method === 'ACK' || method === 'CANCEL' || method === 'BYE'
          ? []
          : [{ name: 'Contact', value: ourAddress(this.flow).contact }]),
        ...(options.headers ?? []),
      ],
      options.body,
    );
  }
}
