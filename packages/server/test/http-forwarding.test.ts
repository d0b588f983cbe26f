// Call settings over REST and the event socket (docs/call-settings.md): forwarding rules, do not
// disturb and remote office of the caller, validated per field against the tenant's numbering plan
// and the caller's own lines, shown in presence, and pushed to the caller's sockets only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen } from './support/events.js';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
type Person = Awaited<ReturnType<TestServer['user']>>;
let alice: Person;
let bob: Person;
let eve: Person;

before(async () => {
  t = await startTestServer();
  // fwd.test: Stuttgart with a PBX at +49 711 12345 and 3-digit extensions; other.test: Berlin.
  const tenant = await t.core.tenants.create({
    domain: 'fwd.test',
    country: 'DE',
    areaCode: '711',
    numbering: { pbxBase: '+4971112345', extensionLength: { min: 3, max: 3 } },
  });
  await t.core.tenants.create({ domain: 'other.test', country: 'DE', areaCode: '30' });
  alice = await t.user('alice@fwd.test');
  bob = await t.user('bob@fwd.test');
  eve = await t.user('eve@other.test');
  await t.core.lines.add(tenant.id, { number: '201', userId: alice.userId, did: '+49 89 555123' });
  await t.core.lines.add(tenant.id, { number: '202', userId: bob.userId });
  await t.core.lines.add(eve.tenantId, { number: '201', userId: eve.userId });
});
after(() => t.stop());

const put = (who: Person, path: string, body: unknown) => call(t.url, 'PUT', path, { token: who.token, body });
const get = async (who: Person, path: string) => {
  const r = await call(t.url, 'GET', path, { token: who.token });
  assert.equal(r.status, 200, r.text);
  return r.body;
};

describe('call settings over REST', () => {
  test('before any change: everything off, no answer after 20 s', async () => {
    assert.deepEqual(await get(bob, '/api/v1/me/forwarding'), {
      immediate: { enabled: false, to: null },
      busy: { enabled: false, to: null },
      noAnswer: { enabled: false, to: null, afterSeconds: 20 },
    });
    assert.deepEqual(await get(bob, '/api/v1/me/dnd'), { enabled: false });
    assert.deepEqual(await get(bob, '/api/v1/me/remote-office'), { enabled: false, number: null });
    assert.deepEqual(((await get(bob, '/api/v1/me/call-settings')) as { updatedAt: unknown }).updatedAt, null);
  });

  test('PUT forwarding changes the rules it names; the others stay', async () => {
    let r = await put(alice, '/api/v1/me/forwarding', {
      busy: { enabled: true, to: '202' },
      noAnswer: { enabled: true, to: '0171 2345678', afterSeconds: 15 },
    });
    assert.equal(r.status, 200, r.text);
    r = await put(alice, '/api/v1/me/forwarding', { immediate: { enabled: false, to: 'Bob@Fwd.test' } });
    assert.deepEqual(r.body, {
      immediate: { enabled: false, to: 'bob@fwd.test' },
      busy: { enabled: true, to: '202' },
      noAnswer: { enabled: true, to: '0171 2345678', afterSeconds: 15 },
    });
    assert.deepEqual(await get(alice, '/api/v1/me/forwarding'), r.body);
    const all = (await get(alice, '/api/v1/me/call-settings')) as { forwarding: unknown; updatedAt: string };
    assert.deepEqual(all.forwarding, r.body);
    assert.match(all.updatedAt, /^\d{4}-\d\d-\d\dT/);
  });

  test('validation errors name each field; nothing changes', async () => {
    const before = await get(alice, '/api/v1/me/forwarding');
    // The schema: bounds, unknown fields, a missing switch, no rule at all.
    let e = assertError(
      await put(alice, '/api/v1/me/forwarding', {
        noAnswer: { enabled: true, afterSeconds: 2 },
        busy: { to: '202' },
        sideways: {},
      }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(e.details?.map((d) => d.path).sort(), [
      'body.busy.enabled',
      'body.noAnswer.afterSeconds',
      'body.sideways',
    ]);
    assertError(await put(alice, '/api/v1/me/forwarding', {}), 400, 'PARLEY_ERR_VALIDATION');
    // The service: the caller's own line in any spelling, an unreadable number, on without a target.
    e = assertError(
      await put(alice, '/api/v1/me/forwarding', {
        immediate: { enabled: true, to: '089 555123' },
        busy: { enabled: true, to: 'call me maybe' },
        noAnswer: { enabled: true, to: null },
      }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['immediate.to', 'busy.to', 'noAnswer.to'],
    );
    assert.match(e.details?.[0]?.message ?? '', /your own line 201/);
    assertError(
      await put(alice, '/api/v1/me/forwarding', { immediate: { enabled: true, to: 'alice@fwd.test' } }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    e = assertError(
      await put(alice, '/api/v1/me/remote-office', { enabled: true, number: '+49 711 12345 201' }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['number'],
    );
    assertError(await put(alice, '/api/v1/me/dnd', { enabled: 'yes' }), 400, 'PARLEY_ERR_VALIDATION');
    assert.deepEqual(await get(alice, '/api/v1/me/forwarding'), before);
  });

  test("a number is read with the caller's own tenant's plan and lines", async () => {
    // 201 is alice's line in fwd.test but eve's own in other.test; alice's DID is just a number there.
    assertError(
      await put(eve, '/api/v1/me/forwarding', { busy: { enabled: true, to: '201' } }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    const r = await put(eve, '/api/v1/me/remote-office', { enabled: true, number: '+49 89 555123' });
    assert.deepEqual(r.body, { enabled: true, number: '+49 89 555123' });
    assert.deepEqual(await get(alice, '/api/v1/me/remote-office'), { enabled: false, number: null });
  });

  test('DND and immediate forwarding show in what colleagues see of the presence', async () => {
    const listener = await listen(t.url, bob.token);
    try {
      assert.deepEqual((await put(alice, '/api/v1/me/dnd', { enabled: true })).body, { enabled: true });
      await listener.next('presence.changed', (e) => e.user === 'alice@fwd.test' && e.presence.availability === 'dnd');
      await put(alice, '/api/v1/me/forwarding', { immediate: { enabled: true, to: '202' } });
      await listener.next(
        'presence.changed',
        (e) => e.user === 'alice@fwd.test' && e.presence.flags.includes('forwarded'),
      );
      const r = await call(t.url, 'GET', '/api/v1/presence?users=alice@fwd.test', {
        token: bob.token,
        headers: { 'accept-language': 'de' },
      });
      const [seen] = (r.body as { presence: { availability: string; flags: string[]; text: string }[] }).presence;
      assert.deepEqual(
        [seen?.availability, seen?.flags, seen?.text],
        ['dnd', ['forwarded'], 'bitte nicht stören – Anrufe umgeleitet'],
      );
      await put(alice, '/api/v1/me/dnd', { enabled: false });
      await put(alice, '/api/v1/me/forwarding', { immediate: { enabled: false } });
      await listener.next(
        'presence.changed',
        (e) => e.user === 'alice@fwd.test' && e.presence.availability !== 'dnd' && e.presence.flags.length === 0,
      );
    } finally {
      listener.close();
    }
  });

  test("each change reaches the user's sockets as callsettings.changed, and nobody else's", async () => {
    const { token: other } = await t.api.request('auth.login', {
      body: { user: 'bob@fwd.test', password: bob.password },
    });
    const bobElsewhere = await listen(t.url, other);
    const aliceSocket = await listen(t.url, alice.token);
    try {
      await put(bob, '/api/v1/me/remote-office', { enabled: true, number: '+49 170 1234567' });
      const e = await bobElsewhere.next('callsettings.changed');
      assert.deepEqual(e.settings.remoteOffice, { enabled: true, number: '+49 170 1234567' });
      assert.equal(e.settings.dnd, false);
      assert.deepEqual(e.settings, await get(bob, '/api/v1/me/call-settings'));
      // A refused change publishes nothing.
      assert.equal((await put(bob, '/api/v1/me/remote-office', { enabled: true, number: '202' })).status, 400);
      // Events arrive in publish order: had it published, it would come before this one.
      await put(bob, '/api/v1/me/dnd', { enabled: true });
      await bobElsewhere.next('callsettings.changed', (x) => x.settings.dnd);
      assert.equal(bobElsewhere.received.filter((x) => x.type === 'callsettings.changed').length, 2);
      // Alice's socket got none of bob's: her own change is the first it gets.
      await put(alice, '/api/v1/me/dnd', { enabled: false });
      await aliceSocket.next('callsettings.changed');
      assert.equal(aliceSocket.received.filter((x) => x.type === 'callsettings.changed').length, 1);
      await put(bob, '/api/v1/me/dnd', { enabled: false });
    } finally {
      bobElsewhere.close();
      aliceSocket.close();
    }
  });
});
