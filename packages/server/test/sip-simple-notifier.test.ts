// The SIMPLE notifier and publisher driven through a recording switch (no sockets) over the real
// core: digest first, visibility per watcher, one NOTIFY in flight, expiry, NOTIFY failures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { SipFederation } from '../src/adapters/sip/federation/peers.js';
import {
  makeRequest,
  renderUri,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../src/adapters/sip/message/index.js';
import { NonceBook } from '../src/adapters/sip/registrar/nonce.js';
import { SimpleNotifier } from '../src/adapters/sip/simple/notifier.js';
import { SimplePublisher } from '../src/adapters/sip/simple/publisher.js';
import type { ServerTransaction } from '../src/adapters/sip/transaction/index.js';
import type { Flow } from '../src/adapters/sip/transport/flow.js';
import type { Services } from '../src/compose.js';
import type { Party } from '../src/core/calls/model.js';
import { closeCore, openCore } from '../src/create-server.js';
import { loadConfig } from '../src/platform/config/load.js';
import { OutboundPolicy } from '../src/platform/outbound.js';
import { digestAuthorization } from './support/sip-watcher.js';

const DOMAIN = 'notifier.test';
const WAIT_MS = 10_000;
const tag = () => randomBytes(4).toString('hex');

const flow: Flow = {
  id: 'udp|5060|192.0.2.7|5062',
  transport: 'UDP',
  reliable: false,
  remote: { address: '192.0.2.7', port: 5062 },
  local: { address: '192.0.2.1', port: 5060 },
  send() {},
  close() {},
};
const tx = () => ({ flow }) as ServerTransaction<Flow>;

/** What the notifier sent: responses, and NOTIFYs waiting for the test to answer them. */
class RecordingSwitch {
  readonly responses: SipResponse[] = [];
  readonly requests: { request: SipRequest; answer: (status: number) => void }[] = [];
  private readonly listeners = new Set<() => void>();

  sendRequest(request: SipRequest, _flow: Flow, onResponse: (r: SipResponse) => void) {
    const answer = (status: number) =>
      onResponse({ ...request, kind: 'response', status, reason: 'test' } as unknown as SipResponse);
    this.requests.push({ request, answer });
    for (const l of this.listeners) l();
  }

  respond(_tx: ServerTransaction<Flow>, response: SipResponse) {
    this.responses.push(response);
    for (const l of this.listeners) l();
  }

  /** Waits until `n` requests were sent in all. */
  until(n: number): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.requests.length} of ${n} requests`)), WAIT_MS);
      const check = () => {
        if (this.requests.length < n) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }
}

const header = (m: SipRequest, name: string) => m.headers.find((h) => h.name === name)?.value;

describe('SimpleNotifier through a recording switch', () => {
  let core: Services;
  let dir: string;
  let tenantId: string;
  const ids: Record<string, string> = {};
  const secrets: Record<string, { username: string; password: string }> = {};
  const sw = new RecordingSwitch();
  let notifier: SimpleNotifier;
  let publisher: SimplePublisher;

  /** A request from `user`'s device, answered to a 407 once with its digest. */
  const send = async (
    user: string,
    method: string,
    uri: string,
    headers: SipHeader[],
    o: { body?: string; handle?: (r: SipRequest) => Promise<SipResponse | undefined> } = {},
  ): Promise<SipResponse> => {
    const callId = `${tag()}@phone`;
    const fromTag = tag();
    let auth: SipHeader[] = [];
    for (let seq = 1; ; seq++) {
      const request = makeRequest(
        method,
        uri,
        [
          { name: 'Via', value: `SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK${tag()}` },
          { name: 'From', value: `<sip:${user}@${DOMAIN}>;tag=${fromTag}` },
          { name: 'To', value: `<${uri}>` },
          { name: 'Call-ID', value: callId },
          { name: 'CSeq', value: `${seq} ${method}` },
          { name: 'Contact', value: '<sip:phone@192.0.2.7:5062>' },
          ...auth,
          ...headers,
        ],
        o.body === undefined ? undefined : Buffer.from(o.body),
      );
      const before = sw.responses.length;
      const returned = await (o.handle ?? ((r) => notifier.subscribe(r, tx())))(request);
      const response = returned ?? sw.responses[before];
      assert.ok(response, 'a response');
      if (response.status !== 407 || seq > 1) return response;
      auth = [digestAuthorization(response, method, uri, secrets[user] as { username: string; password: string })];
    }
  };
  const subscribe = (user: string, uri: string, event: string, expires = 600) =>
    send(user, 'SUBSCRIBE', uri, [
      { name: 'Event', value: event },
      { name: 'Expires', value: `${expires}` },
    ]);
  /** An in-dialog SUBSCRIBE of the subscription `ok` (the 200) created. */
  const resubscribe = (ok: SipResponse, expires: number, event: string) => {
    const request = makeRequest('SUBSCRIBE', 'sip:192.0.2.1:5060', [
      { name: 'Via', value: `SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK${tag()}` },
      { name: 'From', value: ok.headers.find((h) => h.name === 'From')?.value as string },
      { name: 'To', value: ok.headers.find((h) => h.name === 'To')?.value as string },
      { name: 'Call-ID', value: ok.callId },
      { name: 'CSeq', value: `${ok.cseq.seq + 1} SUBSCRIBE` },
      { name: 'Event', value: event },
      { name: 'Expires', value: `${expires}` },
    ]);
    const before = sw.responses.length;
    notifier.inDialog(request, tx());
    return sw.responses[before] as SipResponse;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-notifier-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    const log = pino({ level: 'silent' });
    core = await openCore({ config, log });
    tenantId = (await core.tenants.create({ domain: DOMAIN })).id;
    for (const local of ['alice', 'bob', 'carol', 'dave']) {
      const { user } = await core.users.create(tenantId, {
        local,
        domain: DOMAIN,
        role: 'user',
        password: 'pw-secret-1',
      });
      ids[local] = user.id;
      const { device, password } = await core.devices.create(tenantId, user.id, { name: 'desk' });
      secrets[local] = { username: device.username, password };
    }
    await core.presence.watchers.block(tenantId, ids.bob as string, `carol@${DOMAIN}`);
    const nonces = new NonceBook({ key: randomBytes(32), lifetimeSeconds: 300, now: () => Date.now() });
    const digest = { core, nonces, algorithms: ['MD5' as const], newTag: tag };
    const policy = { defaultExpires: 600, minExpires: 1, maxExpires: 3600 };
    const federation = new SipFederation({
      peers: [{ domain: 'other.test' }, { domain: 'third.test' }],
      log,
      outbound: new OutboundPolicy([]),
      ca: [],
    });
    notifier = new SimpleNotifier({ core, log, digest, federation, sender: sw, newTag: tag, policy });
    publisher = new SimplePublisher({ core, log, digest, newTag: tag });
  });
  after(async () => {
    notifier.stop();
    publisher.stop();
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown resource is 407 before it is 404; a refresh of no subscription is 481', async () => {
    const challenge = await notifier.subscribe(
      makeRequest('SUBSCRIBE', `sip:ghost@${DOMAIN}`, [
        { name: 'Via', value: 'SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKx1' },
        { name: 'From', value: `<sip:alice@${DOMAIN}>;tag=a` },
        { name: 'To', value: `<sip:ghost@${DOMAIN}>` },
        { name: 'Call-ID', value: 'c1@phone' },
        { name: 'CSeq', value: '1 SUBSCRIBE' },
        { name: 'Event', value: 'presence' },
      ]),
      tx(),
    );
    assert.equal(challenge?.status, 407);
    assert.equal((await subscribe('alice', `sip:ghost@${DOMAIN}`, 'presence')).status, 404);
    const ok = await subscribe('alice', `sip:bob@${DOMAIN}`, 'message-summary');
    assert.equal(ok.status, 403, "another user's mailbox");
    const stray = {
      ...ok,
      headers: ok.headers.map((h) => (h.name === 'To' ? { ...h, value: `${h.value};tag=zz` } : h)),
    };
    assert.equal(resubscribe(stray as SipResponse, 600, 'presence').status, 481);
  });

  test('one NOTIFY in flight at a time, in CSeq order; a 408 ends the subscription', async () => {
    const start = sw.requests.length;
    const ok = await subscribe('alice', `sip:bob@${DOMAIN}`, 'presence');
    assert.equal(ok.status, 200);
    assert.match(ok.headers.find((h) => h.name === 'Contact')?.value ?? '', /sip:192\.0\.2\.1:5060/);
    await sw.until(start + 1);
    const first = sw.requests[start];
    assert.ok(first);
    assert.equal(header(first.request, 'Event'), 'presence');
    assert.equal(renderUri(first.request.uri), 'sip:phone@192.0.2.7:5062', 'to the Contact of the SUBSCRIBE');
    const subs = notifier.size;
    assert.equal(resubscribe(ok, 300, 'presence').status, 200);
    assert.equal(sw.requests.length, start + 1, 'the refresh NOTIFY waits for the answer to the first');
    first.answer(200);
    const second = sw.requests[start + 1];
    assert.ok(second);
    assert.equal(second.request.cseq.seq, first.request.cseq.seq + 1);
    assert.match(header(second.request, 'Subscription-State') ?? '', /^active;expires=(300|299)$/);
    second.answer(408);
    assert.equal(notifier.size, subs - 1, 'the 408 ended it');
  });

  test('a blocked watcher sees no call; a colleague sees it ring without the caller', async () => {
    const caller: Party = { userId: ids.alice as string, uri: `sip:alice@${DOMAIN}`, display: 'Alice' };
    const callee: Party = { userId: ids.bob as string, deviceId: 'bob-desk' };
    const start = sw.requests.length;
    assert.equal((await subscribe('dave', `sip:bob@${DOMAIN}`, 'dialog')).status, 200);
    await sw.until(start + 1);
    sw.requests[start]?.answer(200);
    const call = await core.calls.originate(tenantId, { from: caller, to: { dialled: 'bob', party: callee } });
    await core.calls.deliver(call.id, callee);
    await sw.until(start + 2);
    const ringing = sw.requests[start + 1];
    assert.ok(ringing);
    const body = ringing.request.body.toString();
    assert.match(body, /<state>early<\/state>/);
    assert.doesNotMatch(body, /alice|<remote>/, 'a colleague does not see who calls');
    ringing.answer(200);
    assert.equal((await subscribe('carol', `sip:bob@${DOMAIN}`, 'dialog')).status, 200);
    await sw.until(start + 3);
    const blocked = sw.requests[start + 2]?.request.body.toString() ?? '';
    assert.match(blocked, /<dialog id="bob"><state>terminated<\/state><\/dialog>/, 'idle for the blocked watcher');
    assert.doesNotMatch(blocked, /early/);
    sw.requests[start + 2]?.answer(200);
    await core.calls.clear(call.id);
  });

  test('a subscription ends at its expiry with terminated;reason=timeout; a refresh of it is 481 then', async () => {
    const start = sw.requests.length;
    const ok = await subscribe('alice', `sip:alice@${DOMAIN}`, 'message-summary', 1);
    assert.equal(ok.status, 200);
    assert.equal(ok.expires, 1);
    await sw.until(start + 1);
    sw.requests[start]?.answer(200);
    await sw.until(start + 2);
    const last = sw.requests[start + 1];
    assert.ok(last);
    assert.equal(header(last.request, 'Subscription-State'), 'terminated;reason=timeout');
    last.answer(200);
    assert.equal(resubscribe(ok, 600, 'message-summary').status, 481);
  });

  test('PUBLISH: 407, then 200 with SIP-ETag; the compositor hands the state to the core', async () => {
    const pidf = `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:dave@${DOMAIN}"><tuple id="t"><status><basic>open</basic></status><note>Desk</note></tuple></presence>`;
    const headers = [
      { name: 'Event', value: 'presence' },
      { name: 'Expires', value: '600' },
      { name: 'Content-Type', value: 'application/pidf+xml' },
    ];
    const handle = (r: SipRequest) => publisher.publish(r, tx());
    const ok = await send('dave', 'PUBLISH', `sip:dave@${DOMAIN}`, headers, { body: pidf, handle });
    assert.equal(ok.status, 200);
    assert.ok(ok.headers.some((h) => h.name === 'SIP-ETag'));
    assert.equal((await core.presence.get(tenantId, ids.dave as string)).availability, 'available');
    const other = await send('dave', 'PUBLISH', `sip:bob@${DOMAIN}`, headers, { body: pidf, handle });
    assert.equal(other.status, 403);
  });

  test('stop ends every subscription', async () => {
    const start = sw.requests.length;
    assert.equal((await subscribe('alice', `sip:bob@${DOMAIN}`, 'dialog')).status, 200);
    await sw.until(start + 1);
    assert.ok(notifier.size > 0);
    notifier.stop();
    assert.equal(notifier.size, 0);
  });

  /** A SUBSCRIBE from `from` (a foreign address) over `over`, as a peer's server relays it. */
  const foreign = (from: string, uri: string, event: string, over: Flow) =>
    notifier.subscribe(
      makeRequest('SUBSCRIBE', uri, [
        { name: 'Via', value: `SIP/2.0/TLS 192.0.2.9:5061;branch=z9hG4bK${tag()}` },
        { name: 'From', value: `"Bob Other" <sip:${from}>;tag=${tag()}` },
        { name: 'To', value: `<${uri}>` },
        { name: 'Call-ID', value: `${tag()}@peer` },
        { name: 'CSeq', value: '1 SUBSCRIBE' },
        { name: 'Contact', value: '<sip:bob@192.0.2.9:5061;transport=tls>' },
        { name: 'Event', value: event },
        { name: 'Expires', value: '600' },
      ]),
      { flow: over } as ServerTransaction<Flow>,
    );
  const tls = (peerNames?: string[]): Flow => ({
    ...flow,
    id: 'tls|77',
    transport: 'TLS',
    reliable: true,
    ...(peerNames && { peerNames }),
  });

  test('a federated watcher is served without a challenge and sees the availability only', async () => {
    await core.presence.setManual(tenantId, ids.alice as string, { availability: 'busy', note: 'Budget review' });
    const start = sw.requests.length;
    const before = sw.responses.length;
    const returned = await foreign('bob@other.test', `sip:alice@${DOMAIN}`, 'presence', tls(['other.test']));
    assert.equal(returned, undefined, 'answered through the switch');
    assert.equal(sw.responses[before]?.status, 200);
    await sw.until(start + 1);
    const notify = sw.requests[start];
    assert.ok(notify);
    const pidf = notify.request.body.toString();
    assert.match(pidf, /<basic>open<\/basic>/);
    assert.match(pidf, /busy/);
    assert.doesNotMatch(pidf, /Budget review/, 'an external sees no note');
    notify.answer(200);
    await core.presence.setManual(tenantId, ids.alice as string, { availability: 'away', note: 'Lunch' });
    await sw.until(start + 2);
    const second = sw.requests[start + 1];
    assert.match(second?.request.body.toString() ?? '', /away/);
    assert.doesNotMatch(second?.request.body.toString() ?? '', /Lunch/);
    second?.answer(481);
    await core.presence.clearManual(tenantId, ids.alice as string);
  });

  test('a federated BLF watcher sees no calls', async () => {
    const caller: Party = { uri: 'sip:bob@other.test' };
    const callee: Party = { userId: ids.alice as string, deviceId: 'alice-desk' };
    const call = await core.calls.originate(tenantId, { from: caller, to: { dialled: 'alice', party: callee } });
    await core.calls.deliver(call.id, callee);
    const start = sw.requests.length;
    const before = sw.responses.length;
    await foreign('bob@other.test', `sip:alice@${DOMAIN}`, 'dialog', tls(['other.test']));
    assert.equal(sw.responses[before]?.status, 200);
    await sw.until(start + 1);
    const body = sw.requests[start]?.request.body.toString() ?? '';
    assert.match(body, /<dialog-info /);
    assert.doesNotMatch(body, /early|bob@other/, 'an external sees no call');
    sw.requests[start]?.answer(481);
    await core.calls.clear(call.id);
  });

  test('another domain is refused with 403 unless it is a peer proven by its certificate over TLS', async () => {
    const uri = `sip:alice@${DOMAIN}`;
    const cases: [string, Flow, number][] = [
      ['eve@nowhere.test', tls(['nowhere.test']), 403],
      ['bob@other.test', flow, 403],
      ['bob@other.test', tls(), 403],
      ['bob@third.test', tls(['other.test']), 403],
    ];
    for (const [from, over, status] of cases) {
      const r = await foreign(from, uri, 'presence', over);
      assert.equal(r?.status, status, `${from} over ${over.transport} ${over.peerNames ?? ''}`);
      assert.equal(
        r?.headers.some((h) => /authenticate/i.test(h.name)),
        false,
        'never a challenge',
      );
    }
    const mailbox = await foreign('bob@other.test', uri, 'message-summary', tls(['other.test']));
    assert.equal(mailbox?.status, 403, 'no mailbox for a peer');
    const relay = await foreign('bob@other.test', 'sip:carol@elsewhere.test', 'presence', tls(['other.test']));
    assert.equal(relay?.status, 403, 'no relaying to a domain that is not ours');
  });
});
