import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Line } from '@parley/api';
import { assertError, call } from './support/http.js';
import type { Person } from './support/people.js';
import { startTestServer, type TestServer } from './support/server.js';

describe('admin lines: numbers owned by users, unique per tenant for every dialled string', () => {
  let t: TestServer;
  let admin: Person;
  let alice: Person;
  let bob: Person;
  before(async () => {
    t = await startTestServer();
    admin = await t.user('boss@lines.test', { role: 'tenant-admin' });
    alice = await t.user('alice@lines.test');
    bob = await t.user('bob@lines.test');
  });
  after(() => t.stop());

  const post = (body: unknown, token = admin.token) => call(t.url, 'POST', '/api/v1/admin/lines', { token, body });
  const list = async () =>
    ((await call(t.url, 'GET', '/api/v1/admin/lines', { token: admin.token })).body as { lines: Line[] }).lines;

  test('an admin gives users lines by address or id; the list shows each owner and the DID as E.164', async () => {
    const created = await post({ number: '201', user: 'alice@lines.test', did: '+49 711 12345-201' });
    assert.equal(created.status, 201, created.text);
    const line = created.body as Line;
    assert.deepEqual(
      { number: line.number, did: line.did, userId: line.userId, user: line.user },
      { number: '201', did: '+4971112345201', userId: alice.userId, user: 'alice@lines.test' },
    );
    assert.equal((await post({ number: '30', user: bob.userId })).status, 201);
    assert.deepEqual(
      (await list()).map((l) => [l.number, l.did, l.user]),
      [
        ['30', null, 'bob@lines.test'],
        ['201', '+4971112345201', 'alice@lines.test'],
      ],
    );
    assert.deepEqual(
      (await t.core.lines.resolve(alice.tenantId, '004971112345201'))?.user.id,
      alice.userId,
      'what the API stored is what resolve finds',
    );
  });

  test('clashes are conflicts; bad numbers, unknown users and plain users are refused', async () => {
    assert.match(
      assertError(await post({ number: '201', user: bob.userId }), 409, 'PARLEY_ERR_CONFLICT').message,
      /201/,
    );
    assertError(await post({ number: '202', user: bob.userId, did: '+4971112345201' }), 409, 'PARLEY_ERR_CONFLICT');
    // '4971112345201' dialled exactly would be line 201's DID as some trunks send it.
    assertError(await post({ number: '4971112345201', user: bob.userId }), 409, 'PARLEY_ERR_CONFLICT');
    const bad = assertError(await post({ number: '2a', user: bob.userId }), 400, 'PARLEY_ERR_VALIDATION');
    assert.equal(bad.details?.[0]?.path, 'body.number');
    const trunk = assertError(await post({ number: '0201', user: bob.userId }), 400, 'PARLEY_ERR_VALIDATION');
    assert.match(trunk.message, /trunk prefix/);
    assert.equal(trunk.details?.[0]?.path, 'number');
    assertError(await post({ number: '203', user: 'carol@lines.test' }), 404, 'PARLEY_ERR_NOT_FOUND');
    const outsider = await t.user('mallory@other.test');
    assertError(await post({ number: '203', user: 'mallory@other.test' }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await post({ number: '203', user: outsider.userId }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await post({ number: '203', user: bob.userId }, alice.token), 403, 'PARLEY_ERR_FORBIDDEN');
    assertError(await call(t.url, 'GET', '/api/v1/admin/lines', { token: alice.token }), 403, 'PARLEY_ERR_FORBIDDEN');
    const root = await t.user('root@lines.test', { role: 'system-admin' });
    assertError(await post({ number: '203', user: root.userId }), 403, 'PARLEY_ERR_FORBIDDEN');
    assert.deepEqual(
      (await list()).map((l) => l.number),
      ['30', '201'],
    );
  });

  test("a device is bound to one of its owner's lines; removing the line unbinds it", async () => {
    const create = (userId: string, body: unknown) =>
      call(t.url, 'POST', `/api/v1/admin/users/${userId}/devices`, { token: admin.token, body });
    const desk = await create(alice.userId, { name: 'Desk', line: '201' });
    assert.equal(desk.status, 201, desk.text);
    const line = (await list()).find((l) => l.number === '201');
    const { device } = desk.body as { device: { id: string; lineId: string | null } };
    assert.equal(device.lineId, line?.id);
    assertError(await create(alice.userId, { name: 'Desk', line: '30' }), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await create(alice.userId, { name: 'Desk', line: '999' }), 404, 'PARLEY_ERR_NOT_FOUND');

    const removed = await call(t.url, 'DELETE', '/api/v1/admin/lines/201', { token: admin.token });
    assert.equal(removed.status, 204);
    assertError(
      await call(t.url, 'DELETE', '/api/v1/admin/lines/201', { token: admin.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
    const devices = await alice.api.request('me.devices.list', {});
    assert.deepEqual(
      devices.devices.map((d) => [d.id, d.lineId]),
      [[device.id, null]],
    );
  });

  test('an admin puts lines in pickup groups and takes them out; bad names and other tenants are refused', async () => {
    const patch = (number: string, body: unknown, token = admin.token) =>
      call(t.url, 'PATCH', `/api/v1/admin/lines/${number}`, { token, body });
    const created = await post({ number: '40', user: bob.userId, pickupGroup: 'sales' });
    assert.equal(created.status, 201, created.text);
    assert.equal((created.body as Line).pickupGroup, 'sales');
    const moved = await patch('30', { pickupGroup: 'sales' });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(
      { number: (moved.body as Line).number, pickupGroup: (moved.body as Line).pickupGroup },
      { number: '30', pickupGroup: 'sales' },
    );
    assert.deepEqual(
      (await t.core.lines.pickupGroup(bob.tenantId, 'sales')).map((l) => l.number),
      ['30', '40'],
    );
    assert.equal(((await patch('40', { pickupGroup: null })).body as Line).pickupGroup, null);
    assert.deepEqual(
      (await list()).map((l) => [l.number, l.pickupGroup]),
      [
        ['30', 'sales'],
        ['40', null],
      ],
    );
    const bad = assertError(await patch('30', { pickupGroup: 'no spaces' }), 400, 'PARLEY_ERR_VALIDATION');
    assert.equal(bad.details?.[0]?.path, 'body.pickupGroup');
    assertError(await post({ number: '41', user: bob.userId, pickupGroup: '' }), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await patch('30', {}), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await patch('999', { pickupGroup: 'sales' }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await patch('30', { pickupGroup: 'mine' }, alice.token), 403, 'PARLEY_ERR_FORBIDDEN');
    const otherAdmin = await t.user('boss@other-lines.test', { role: 'tenant-admin' });
    assertError(await patch('30', { pickupGroup: 'mine' }, otherAdmin.token), 404, 'PARLEY_ERR_NOT_FOUND');
    assert.equal((await list()).find((l) => l.number === '30')?.pickupGroup, 'sales');
  });
});
