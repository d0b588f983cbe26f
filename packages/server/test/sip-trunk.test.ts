// SIP trunks: a test phone on loopback acts as the provider's gateway. Numbers outside the tenant go
// out over it (its digest challenge answered with the trunk's credentials), its calls to a DID ring
// that line with the caller named from the directory, remote office rings the external number with
// the user's devices, forwarding reaches external numbers, and the outbound policy refuses a trunk
// host on loopback unless a system admin allowed it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Trunk } from '@parley/api';
import {
  parseAuth,
  renderMessage,
  renderUri,
  respond,
  type SipRequest,
  SipStreamFramer,
  singleHeader,
} from '../src/adapters/sip/message/index.js';
import { verifyDigest } from '../src/core/auth/sip-digest.js';
import { type Listener, listen } from './support/events.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, SDP, SipPhone } from './support/sip-phone.js';

type Phone = SipPhone & { userId: string; tenantId: string };
/** A call event on the event socket, as much as these tests read of it. */
type Named = { number?: string; name: string | null; company: string | null };
type CallEvent = { cause: string | null; call: { caller: Named; called: Named } };

const sdpHeaders = [{ name: 'Content-Type', value: 'application/sdp' }];
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const TRUNK_USER = 'parley-trunk';
const TRUNK_PASSWORD = 'trunk-secret-42';
const REALM = 'provider.test';

/** Whether the provider's challenge was answered with the trunk's credentials. */
function answersChallenge(invite: SipRequest, header: string, method = 'INVITE'): boolean {
  const value = singleHeader(invite.headers, header);
  if (!value) return false;
  const p = parseAuth(value).params;
  const get = (k: string) => p.get(k) ?? undefined;
  return verifyDigest(
    {
      username: get('username') ?? '',
      realm: get('realm') ?? '',
      nonce: get('nonce') ?? '',
      uri: get('uri') ?? '',
      response: get('response') ?? '',
      algorithm: get('algorithm'),
      qop: get('qop'),
      cnonce: get('cnonce'),
      nc: get('nc'),
      opaque: get('opaque'),
    },
    method,
    renderUri(invite.uri),
    { username: TRUNK_USER, realm: REALM, ha1Md5: md5(`${TRUNK_USER}:${REALM}:${TRUNK_PASSWORD}`), ha1Sha256: '' },
  );
}

describe('SIP trunks: calls to and from numbers outside the tenant', () => {
  let s: TestServer;
  let admin: Awaited<ReturnType<TestServer['user']>>;
  let bobToken: string;
  let aliceToken: string;
  /** Bob's and alice's event sockets. */
  let events: Listener;
  let aliceEvents: Listener;
  /** The provider's gateway. */
  let peer: SipPhone;
  const phones: Record<'alice' | 'bob', Phone> = {} as never;

  before(async () => {
    // The provider's gateway is on loopback: the system admin allows it, as a real one would not need.
    s = await startTestServer({ 'outbound.allow': ['127.0.0.1'] });
    const tenant = await s.core.tenants.create({ domain: 'trunk.test', country: 'DE', areaCode: '711' });
    admin = await s.user('admin@trunk.test', { role: 'tenant-admin' });
    const dids = { alice: ['201', '+4971112345201'], bob: ['202', '+4971112345202'] } as const;
    for (const name of ['alice', 'bob'] as const) {
      const person = await s.user(`${name}@trunk.test`);
      if (name === 'bob') bobToken = person.token;
      else aliceToken = person.token;
      const [number, did] = dids[name];
      await s.core.lines.add(tenant.id, { number, did, userId: person.userId });
      phones[name] = await phoneFor(s, `${name}@trunk.test`, 'udp', person);
      assert.equal((await phones[name].register(600)).status, 200);
    }
    const udp = s.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    peer = await SipPhone.open({
      server: { host: udp.host, port: udp.port },
      aor: '07119876543@provider.test',
      username: 'unused',
      password: 'unused',
    });
    const created = await call(s.url, 'POST', '/api/v1/admin/trunks', {
      token: admin.token,
      body: {
        name: 'itsp',
        host: '127.0.0.1',
        port: peer.local.port,
        username: TRUNK_USER,
        password: TRUNK_PASSWORD,
        numberFormat: 'national',
        inboundSources: [`127.0.0.1:${peer.local.port}`],
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(JSON.stringify(created.body).includes(TRUNK_PASSWORD), false, 'the password is never shown');
    // A phone book with the provider's caller: the directory names her in every call event.
    const source = (await call(s.url, 'POST', '/api/v1/admin/directory/sources', {
      token: admin.token,
      body: { name: 'phonebook', kind: 'file', config: {} },
    })) as { body: { id: string } };
    const imported = await call(s.url, 'POST', `/api/v1/admin/directory/sources/${source.body.id}/import`, {
      token: admin.token,
      headers: { 'content-type': 'text/csv' },
      body: 'Name;Firma;Telefon\nAnna Berger;Muster GmbH;+49 711 9876543\n',
    });
    assert.equal(imported.status, 200, imported.text);
    events = await listen(s.url, bobToken);
    aliceEvents = await listen(s.url, aliceToken);
  });
  beforeEach(async () => {
    const { tenantId, userId } = phones.bob;
    await s.core.forwarding.setRemoteOffice(tenantId, userId, { enabled: false });
    for (const type of ['immediate', 'busy', 'noAnswer'] as const)
      await s.core.forwarding.setForwarding(tenantId, userId, type, { enabled: false });
  });
  after(async () => {
    events?.close();
    aliceEvents?.close();
    peer?.close();
    for (const p of Object.values(phones)) p?.close();
    await s?.stop();
  });

  // The switch reports a call's steps to the core as they happen, not before it passes them on:
  // a test that saw the ACK waits for the core to have the answer too.
  const answeredInCore = (who: 'alice' | 'bob' = 'alice') =>
    eventually(
      () => s.core.calls.ofUser(phones[who].tenantId, phones[who].userId).find((c) => c.answeredAt !== null),
      `${who}'s call answered in the core`,
    );
  const noCalls = () =>
    eventually(() => (s.core.calls.ofTenant(phones.alice.tenantId).length === 0 ? true : undefined), 'no live calls');

  test('a tenant admin lists and removes trunks; bad input is refused at its field', async () => {
    const list = await call(s.url, 'GET', '/api/v1/admin/trunks', { token: admin.token });
    const [trunk] = (list.body as { trunks: Trunk[] }).trunks;
    assert.deepEqual(
      trunk && {
        name: trunk.name,
        username: trunk.username,
        hasPassword: trunk.hasPassword,
        format: trunk.numberFormat,
      },
      { name: 'itsp', username: TRUNK_USER, hasPassword: true, format: 'national' },
    );
    const post = (body: unknown, token = admin.token) => call(s.url, 'POST', '/api/v1/admin/trunks', { token, body });
    assertError(await post({ name: 'itsp', host: '127.0.0.1' }), 409, 'PARLEY_ERR_CONFLICT');
    const bad = assertError(
      await post({ name: 'b', host: '127.0.0.1', password: 'x', inboundSources: ['not-an-address'] }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(bad.details?.map((d) => d.path).sort(), ['body.inboundSources.0']);
    const sources = assertError(
      await post({ name: 'b', host: '127.0.0.1', password: 'x', inboundSources: ['10.0.0.1:99999'] }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(sources.details?.map((d) => d.path).sort(), ['inboundSources.0', 'password']);
    assertError(await post({ name: 'b', host: 'http://x' }), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await post({ name: 'b', host: '127.0.0.1' }, bobToken), 403, 'PARLEY_ERR_FORBIDDEN');
    assert.equal((await post({ name: 'spare', host: '127.0.0.1' })).status, 201);
    assert.equal((await call(s.url, 'DELETE', '/api/v1/admin/trunks/spare', { token: admin.token })).status, 204);
    assertError(
      await call(s.url, 'DELETE', '/api/v1/admin/trunks/spare', { token: admin.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
  });

  test("a number outside goes out over the trunk: its challenge is answered, its answer is the caller's", async () => {
    const placed = phones.alice.invite('0711 9876543@trunk.test'.replace(' ', ''));
    const first = await peer.next('INVITE');
    assert.equal(
      renderUri(first.request.uri),
      `sip:07119876543@127.0.0.1:${peer.local.port}`,
      'national, as the trunk wants',
    );
    assert.match(singleHeader(first.request.headers, 'From') ?? '', /<sip:071112345201@127\.0\.0\.1>/, "alice's DID");
    first.reply(407, 'Proxy Authentication Required', {
      headers: [
        { name: 'Proxy-Authenticate', value: `Digest realm="${REALM}", nonce="n0nce-1", qop="auth", algorithm=MD5` },
      ],
    });
    const second = await peer.next('INVITE');
    assert.equal(second.request.callId, first.request.callId);
    assert.equal(second.request.cseq.seq, first.request.cseq.seq + 1);
    assert.ok(answersChallenge(second.request, 'Proxy-Authorization'), 'digest with the trunk credentials');
    assert.match(second.request.body.toString(), /m=audio 40000/, "alice's offer goes on");
    second.reply(180, 'Ringing');
    second.reply(200, 'OK', { headers: sdpHeaders, body: SDP(43000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 43000/);
    await peer.next('ACK');
    const live = await answeredInCore();
    assert.deepEqual(live.called.resolved, { name: 'Anna Berger', company: 'Muster GmbH', match: 'exact' });
    assert.equal(live.called.number, '+497119876543');
    assert.ok(dialog);
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await peer.next('BYE')).reply(200, 'OK');
    await noCalls();
  });

  test('a call from the trunk to a DID rings that line; the caller is named from the directory', async () => {
    const placed = peer.invite('071112345202@127.0.0.1');
    const atBob = await phones.bob.next('INVITE');
    assert.match(singleHeader(atBob.request.headers, 'From') ?? '', /sip:\+497119876543@/, 'the caller as E.164');
    atBob.reply(180, 'Ringing');
    const delivered = (await events.next('call.delivered')) as unknown as CallEvent;
    assert.deepEqual(
      [delivered.call.caller.number, delivered.call.caller.name, delivered.call.caller.company],
      ['+497119876543', 'Anna Berger', 'Muster GmbH'],
    );
    atBob.reply(200, 'OK', { headers: sdpHeaders, body: SDP(44000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    await phones.bob.next('ACK');
    assert.ok(dialog);
    await peer.sendInDialog(dialog, 'BYE');
    (await phones.bob.next('BYE')).reply(200, 'OK');
    await noCalls();
  });

  test('a call from the trunk to a number no line has gets 404', async () => {
    const { response } = await peer.invite('071112345999@127.0.0.1');
    assert.equal(response.status, 404);
  });

  test('remote office rings the external number with the devices; the first to answer wins', async () => {
    await s.core.forwarding.setRemoteOffice(phones.bob.tenantId, phones.bob.userId, {
      enabled: true,
      number: '0170 5550123',
    });
    const placed = phones.alice.invite('202@trunk.test');
    const atBob = await phones.bob.next('INVITE');
    const atMobile = await peer.next('INVITE');
    assert.equal(renderUri(atMobile.request.uri), `sip:01705550123@127.0.0.1:${peer.local.port}`);
    atBob.reply(180, 'Ringing');
    atMobile.reply(180, 'Ringing');
    atMobile.reply(200, 'OK', { headers: sdpHeaders, body: SDP(45000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    assert.match(response.body.toString(), /m=audio 45000/);
    (await phones.bob.next('CANCEL')).reply(200, 'OK');
    atBob.reply(487, 'Request Terminated');
    await peer.next('ACK');
    const live = await answeredInCore('bob');
    const answered = live.connections.find((c) => c.state === 'connected' && c.role === 'called');
    assert.deepEqual(
      [answered?.party.userId, answered?.party.number],
      [phones.bob.userId, '+491705550123'],
      'bob answered on his remote office number',
    );
    assert.ok(dialog);
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await peer.next('BYE')).reply(200, 'OK');
    await noCalls();
  });

  test('MakeCall (click to call) to a number outside: the own phone first, then the trunk', async () => {
    const made = await call(s.url, 'POST', '/api/v1/calls', { token: aliceToken, body: { to: '0711 9876543' } });
    assert.equal(made.status, 201, made.text);
    const own = await phones.alice.next('INVITE');
    own.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    await phones.alice.next('ACK');
    const out = await peer.next('INVITE');
    assert.equal(renderUri(out.request.uri), `sip:07119876543@127.0.0.1:${peer.local.port}`);
    assert.equal(out.request.body.length, 0, 'no offer: the provider makes one (RFC 3725)');
    out.reply(200, 'OK', { headers: sdpHeaders, body: SDP(48000) });
    const reinvite = await phones.alice.next('INVITE');
    assert.match(reinvite.request.body.toString(), /m=audio 48000/);
    reinvite.reply(200, 'OK', { headers: sdpHeaders, body: SDP(40000) });
    await phones.alice.next('ACK');
    await peer.next('ACK');
    assert.equal((await answeredInCore()).called.resolved?.name, 'Anna Berger');
    const bye = phones.alice.sendInDialog(SipPhone.dialogOf(own.request, phones.alice.tag), 'BYE');
    (await peer.next('BYE')).reply(200, 'OK');
    assert.equal((await bye).status, 200);
    await noCalls();
  });

  test('immediate forwarding to an external number goes over the trunk', async () => {
    await s.core.forwarding.setForwarding(phones.bob.tenantId, phones.bob.userId, 'immediate', {
      enabled: true,
      to: '+49 711 9876543',
    });
    const before = phones.bob.incoming.length;
    const placed = phones.alice.invite('202@trunk.test');
    const out = await peer.next('INVITE');
    assert.equal(renderUri(out.request.uri), `sip:07119876543@127.0.0.1:${peer.local.port}`);
    out.reply(200, 'OK', { headers: sdpHeaders, body: SDP(46000) });
    const { response, dialog } = await placed;
    assert.equal(response.status, 200);
    await peer.next('ACK');
    assert.equal(phones.bob.incoming.length, before, "bob's phone never rang");
    const diverted = (await aliceEvents.next('call.diverted')) as unknown as CallEvent;
    assert.equal(diverted.cause, 'callForwardImmediate');
    assert.equal(diverted.call.called.name, 'Anna Berger');
    assert.ok(dialog);
    await phones.alice.sendInDialog(dialog, 'BYE');
    (await peer.next('BYE')).reply(200, 'OK');
    await noCalls();
  });

  test("one provider for two tenants: the DID decides; a request From one of our domains is never a trunk's", async () => {
    const other = await s.core.tenants.create({ domain: 'other.test', country: 'DE', areaCode: '711' });
    const carol = await s.user('carol@other.test');
    await s.core.lines.add(other.id, { number: '301', did: '+4971112345301', userId: carol.userId });
    const carolPhone = await phoneFor(s, 'carol@other.test', 'udp', carol);
    // The other tenant's trunk takes everything from loopback: alice's phone is there too.
    await s.core.trunks.add(other.id, { name: 'itsp', host: '127.0.0.1', inboundSources: ['127.0.0.0/16'] });
    try {
      assert.equal((await carolPhone.register(600)).status, 200);
      const toBob = phones.alice.invite('202@trunk.test');
      (await phones.bob.next('INVITE')).reply(486, 'Busy Here');
      assert.equal((await toBob).response.status, 486, "alice's call is hers, not the trunk's");
      const toCarol = peer.invite('071112345301@127.0.0.1');
      (await carolPhone.next('INVITE')).reply(486, 'Busy Here');
      assert.equal((await toCarol).response.status, 486);
      const viaShared = peer.invite('071112345202@127.0.0.1');
      (await phones.bob.next('INVITE')).reply(486, 'Busy Here');
      assert.equal((await viaShared).response.status, 486, "bob's DID reaches bob");
      await noCalls();
    } finally {
      await s.core.trunks.remove(other.id, 'itsp');
      carolPhone.close();
    }
  });
});

describe('a SIP trunk that registers with its provider', () => {
  test('REGISTER to the provider, its challenge answered with the trunk credentials, at its Contact', async () => {
    const s = await startTestServer({ 'outbound.allow': ['127.0.0.1'] });
    const udp = s.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    const registrar = await SipPhone.open({
      server: { host: udp.host, port: udp.port },
      aor: 'registrar@provider.test',
      username: 'unused',
      password: 'unused',
    });
    try {
      const tenant = await s.core.tenants.create({ domain: 'reg.test', country: 'DE', areaCode: '711' });
      await s.core.trunks.add(tenant.id, {
        name: 'itsp',
        host: '127.0.0.1',
        port: registrar.local.port,
        username: TRUNK_USER,
        password: TRUNK_PASSWORD,
        register: true,
      });
      const first = await registrar.next('REGISTER', 30_000);
      assert.equal(renderUri(first.request.uri), `sip:127.0.0.1:${registrar.local.port}`);
      assert.match(singleHeader(first.request.headers, 'To') ?? '', new RegExp(`<sip:${TRUNK_USER}@127\\.0\\.0\\.1>`));
      assert.match(
        singleHeader(first.request.headers, 'Contact') ?? '',
        new RegExp(`<sip:${TRUNK_USER}@127\\.0\\.0\\.1:${udp.port}>`),
      );
      first.reply(401, 'Unauthorized', {
        headers: [
          { name: 'WWW-Authenticate', value: `Digest realm="${REALM}", nonce="reg-1", qop="auth", algorithm=MD5` },
        ],
      });
      const second = await registrar.next('REGISTER');
      assert.equal(second.request.callId, first.request.callId);
      assert.equal(second.request.cseq.seq, first.request.cseq.seq + 1);
      assert.ok(answersChallenge(second.request, 'Authorization', 'REGISTER'), 'digest with the trunk credentials');
      second.reply(200, 'OK', { headers: [{ name: 'Expires', value: '600' }] });
    } finally {
      registrar.close();
      await s.stop();
    }
  });
});

describe('a SIP trunk over TCP', () => {
  test("the call goes over a connection Parley opens to the provider; its answers are the caller's", async () => {
    const s = await startTestServer({ 'outbound.allow': ['127.0.0.1'] });
    const received: SipRequest[] = [];
    // The provider: a TCP listener that answers every INVITE 486 and keeps the connection.
    const provider = createServer((socket) => {
      const framer = new SipStreamFramer();
      socket.on('data', (chunk: Buffer) => {
        for (const e of framer.push(chunk)) {
          if (e.kind !== 'message' || e.message.kind !== 'request') continue;
          received.push(e.message);
          if (e.message.method === 'INVITE')
            socket.write(renderMessage(respond(e.message, 486, 'Busy Here', { toTag: 'provider-1' })));
        }
      });
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const port = (provider.address() as AddressInfo).port;
    try {
      const tenant = await s.core.tenants.create({ domain: 'tcp.test', country: 'DE', areaCode: '711' });
      const alice = await s.user('alice@tcp.test');
      await s.core.lines.add(tenant.id, { number: '201', did: '+4971112345201', userId: alice.userId });
      await s.core.trunks.add(tenant.id, { name: 'itsp', host: '127.0.0.1', port, transport: 'tcp' });
      const phone = await phoneFor(s, 'alice@tcp.test', 'udp', alice);
      try {
        assert.equal((await phone.register(600)).status, 200);
        for (const attempt of [1, 2]) {
          const { response } = await phone.invite('+4930123456@tcp.test');
          assert.equal(response.status, 486, `attempt ${attempt}`);
        }
        const invites = received.filter((r) => r.method === 'INVITE');
        assert.equal(invites.length, 2);
        assert.equal(invites[0] && renderUri(invites[0].uri), `sip:+4930123456@127.0.0.1:${port};transport=tcp`);
        assert.match(invites[0]?.headers.find((h) => h.name === 'Via')?.value ?? '', /^SIP\/2\.0\/TCP /);
        const connections = await new Promise<number>((resolve) => provider.getConnections((_e, n) => resolve(n)));
        assert.equal(connections, 1, 'one connection carries both calls');
      } finally {
        phone.close();
      }
    } finally {
      provider.close();
      await s.stop();
    }
  });
});

describe('SIP trunks and the outbound policy', () => {
  test('a trunk host on loopback is refused unless outbound.allow lists it', async () => {
    const s = await startTestServer();
    try {
      await s.core.tenants.create({ domain: 'closed.test', country: 'DE', areaCode: '711' });
      const admin = await s.user('admin@closed.test', { role: 'tenant-admin' });
      const refused = assertError(
        await call(s.url, 'POST', '/api/v1/admin/trunks', {
          token: admin.token,
          body: { name: 'itsp', host: '127.0.0.1' },
        }),
        400,
        'PARLEY_ERR_VALIDATION',
      );
      assert.equal(refused.details?.[0]?.path, 'host');
      assert.match(refused.message, /loopback/);
    } finally {
      await s.stop();
    }
  });
});
