// A SIP watcher for SIMPLE tests: the test phone (`sip-phone.ts`) with SUBSCRIBE, in-dialog
// refreshes and PUBLISH; every NOTIFY is answered as it arrives (200 unless told) and kept.
import { randomUUID } from 'node:crypto';
import {
  headerValues,
  parseAuth,
  renderUri,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  singleHeader,
} from '../../src/adapters/sip/message/index.js';
import { digestAnswer } from '../../src/adapters/sip/trunk/digest.js';
import { eventually, SipPhone } from './sip-phone.js';

export interface WatcherAccount {
  /** The AoR's user part and domain (`alice`, `example.test`). */
  user: string;
  domain: string;
  /** The device's digest user name and secret. */
  username: string;
  password: string;
}

/** A subscription's dialog as the subscriber keeps it. */
export interface SubscriberDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  uri: string;
  event: string;
  /** The route set from the 2xx's Record-Route (RFC 3261 §12.1.2), when proxies are on the path. */
  route?: string[];
}

export class SipWatcher {
  /** Every NOTIFY received, in order (retransmissions once). */
  readonly notifies: SipRequest[] = [];
  /** The status to answer the next NOTIFYs with. */
  notifyStatus = 200;
  private readonly aor: string;

  private constructor(
    private readonly phone: SipPhone,
    account: WatcherAccount,
  ) {
    this.aor = `sip:${account.user}@${account.domain}`;
    phone.autoAnswer = (request) => {
      if (request.method !== 'NOTIFY') return 405;
      const seen = this.notifies.some((n) => n.callId === request.callId && n.cseq.seq === request.cseq.seq);
      if (!seen) this.notifies.push(request);
      return this.notifyStatus;
    };
  }

  static async open(server: { host: string; port: number }, account: WatcherAccount): Promise<SipWatcher> {
    const phone = await SipPhone.open({
      server,
      aor: `${account.user}@${account.domain}`,
      username: account.username,
      password: account.password,
    });
    return new SipWatcher(phone, account);
  }

  close(): void {
    this.phone.close();
  }

  /**
   * Sends a request and returns its final response; a 401/407 challenge is answered once with
   * the device's digest. `dialog` puts it in a subscription's dialog.
   */
  request(
    method: string,
    uri: string,
    o: { headers?: SipHeader[]; body?: string; dialog?: SubscriberDialog; to?: string } = {},
  ): Promise<SipResponse> {
    const to = o.dialog ? `<${o.to ?? uri}>;tag=${o.dialog.remoteTag}` : `<${o.to ?? uri}>`;
    return this.phone.request(
      method,
      o.dialog?.uri ?? uri,
      [
        { name: 'From', value: `<${this.aor}>;tag=${o.dialog?.localTag ?? this.phone.tag}` },
        { name: 'To', value: to },
        { name: 'Call-ID', value: o.dialog?.callId ?? `${randomUUID()}@watcher` },
        { name: 'Contact', value: this.phone.contact },
        ...(o.dialog?.route ?? []).map((value) => ({ name: 'Route', value })),
        ...(o.headers ?? []),
      ],
      { body: o.body },
    );
  }

  register(expires = 600): Promise<SipResponse> {
    return this.phone.register(expires);
  }

  /** SUBSCRIBE to `uri` for `event`; on 2xx, the dialog it created. */
  async subscribe(
    uri: string,
    event: string,
    o: { expires?: number; accept?: string } = {},
  ): Promise<{ response: SipResponse; dialog?: SubscriberDialog }> {
    const headers: SipHeader[] = [
      { name: 'Event', value: event },
      { name: 'Expires', value: `${o.expires ?? 600}` },
      ...(o.accept ? [{ name: 'Accept', value: o.accept }] : []),
    ];
    const response = await this.request('SUBSCRIBE', uri, { headers });
    if (response.status >= 300) return { response };
    const contact = response.contact === '*' ? undefined : response.contact?.[0];
    const dialog: SubscriberDialog = {
      callId: response.callId,
      localTag: response.from.params.get('tag') ?? '',
      remoteTag: response.to.params.get('tag') ?? '',
      uri: contact ? renderUri(contact.uri) : uri,
      event,
      route: headerValues(response.headers, 'Record-Route').reverse(),
    };
    return { response, dialog };
  }

  /** A SUBSCRIBE in the dialog: a refresh, or with 0 the end. */
  resubscribe(dialog: SubscriberDialog, expires: number, to: string): Promise<SipResponse> {
    return this.request('SUBSCRIBE', dialog.uri, {
      dialog,
      to,
      headers: [
        { name: 'Event', value: dialog.event },
        { name: 'Expires', value: `${expires}` },
      ],
    });
  }

  publish(
    body: string | undefined,
    o: { expires?: number; ifMatch?: string; uri?: string } = {},
  ): Promise<SipResponse> {
    return this.request('PUBLISH', o.uri ?? this.aor, {
      body,
      headers: [
        { name: 'Event', value: 'presence' },
        { name: 'Expires', value: `${o.expires ?? 600}` },
        ...(body === undefined ? [] : [{ name: 'Content-Type', value: 'application/pidf+xml' }]),
        ...(o.ifMatch ? [{ name: 'SIP-If-Match', value: o.ifMatch }] : []),
      ],
    });
  }

  /** Waits for a NOTIFY after the first `after` ones (of `dialog` if given) that `accept` accepts. */
  nextNotify(
    accept: (n: SipRequest) => boolean = () => true,
    o: { after?: number; dialog?: SubscriberDialog } = {},
  ): Promise<SipRequest> {
    return eventually(
      () => this.notifies.slice(o.after ?? 0).find((n) => (!o.dialog || n.callId === o.dialog.callId) && accept(n)),
      'such a NOTIFY',
    );
  }
}

/** What a NOTIFY says: its Subscription-State, Event and body. */
export const notifyParts = (n: SipRequest) => ({
  state: singleHeader(n.headers, 'Subscription-State') ?? '',
  event: singleHeader(n.headers, 'Event') ?? '',
  contentType: n.contentType ?? '',
  body: n.body.toString('utf8'),
});

/** The Authorization (or Proxy-Authorization) answering a 401/407 challenge with MD5, qop=auth. */
export function digestAuthorization(
  challenge: SipResponse,
  method: string,
  uri: string,
  account: { username: string; password: string },
): SipHeader {
  const proxy = challenge.status === 407;
  const value = challenge.headers
    .filter((h) => h.name === (proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'))
    .map((h) => h.value)
    .find((v) => (parseAuth(v).params.get('algorithm') ?? 'MD5').toUpperCase() === 'MD5');
  if (!value) throw new Error('no MD5 challenge');
  return {
    name: proxy ? 'Proxy-Authorization' : 'Authorization',
    value: digestAnswer(value, { method, uri, ...account }),
  };
}
