import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';
import type { User } from '../users/model.js';

describe('line service', () => {
  let core: Core;
  let dir: string;
  // Tenant a: Stuttgart, a PBX at +49 711 12345 with 3-digit extensions. Tenant b: Berlin, no PBX.
  let a: string;
  let b: string;
  let alice: User;
  let bob: User;
  let root: User;
  let eve: User;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-lines-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }) });
    a = (
      await core.tenants.create({
        domain: 'a.test',
        country: 'DE',
        areaCode: '711',
        numbering: { pbxBase: '+4971112345', extensionLength: { min: 3, max: 3 } },
      })
    ).id;
    b = (await core.tenants.create({ domain: 'b.test', country: 'DE', areaCode: '30' })).id;
    const mk = async (tenantId: string, local: string, domain: string, role: User['role'] = 'user') =>
      (await core.users.create(tenantId, { local, domain, role, password: 'secret-password' })).user;
    alice = await mk(a, 'alice', 'a.test');
    bob = await mk(a, 'bob', 'a.test');
    root = await mk(a, 'root', 'a.test', 'system-admin');
    eve = await mk(b, 'eve', 'b.test');
    await core.lines.add(a, { number: '201', userId: alice.id });
    await core.lines.add(a, { number: '202', userId: bob.id, did: '089 123456' });
    await core.lines.add(b, { number: '201', userId: eve.id, did: '+49 30 12345' });
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a DID is stored as E.164; lines are listed per tenant and per user', async () => {
    assert.deepEqual(
      (await core.lines.list(a)).map((l) => [l.number, l.did, l.userId]),
      [
        ['201', null, alice.id],
        ['202', '+4989123456', bob.id],
      ],
    );
    assert.deepEqual(
      (await core.lines.list(b)).map((l) => [l.number, l.did]),
      [['201', '+493012345']],
    );
    const [own] = await core.lines.ofUser(a, alice.id);
    assert.equal(own?.number, '201');
    assert.deepEqual(await core.lines.get(a, own?.id ?? ''), own);
    await assert.rejects(core.lines.get(b, own?.id ?? ''), { code: 'PARLEY_ERR_NOT_FOUND' });
  });

  // [tenant, dialled, the extension it reaches (undefined: none)]
  const dialled: ['a' | 'b', string, string | undefined][] = [
    ['a', '201', '201'],
    ['a', '+4971112345201', '201'], // direct dial through the PBX base
    ['a', '004971112345201', '201'],
    ['a', '071112345201', '201'],
    ['a', '12345201', '201'], // local
    ['a', '4971112345201', undefined], // digits of a DID the line does not have
    ['a', '+4989123456', '202'],
    ['a', '004989123456', '202'],
    ['a', '089123456', '202'],
    ['a', '4989123456', '202'], // its DID's digits without '+'
    ['a', '203', undefined],
    ['a', '+4971112345203', undefined],
    ['a', '+493012345', undefined], // tenant b's DID
    ['a', 'alice', undefined],
    ['a', '', undefined],
    ['a', '2'.repeat(100), undefined],
    ['b', '201', '201'],
    ['b', '12345', '201'], // local in Berlin
    ['b', '03012345', '201'],
    ['b', '+493012345', '201'],
    ['b', '202', undefined],
    ['b', '+4989123456', undefined],
  ];
  for (const [tenant, input, expected] of dialled) {
    test(`resolve ${JSON.stringify(input.slice(0, 20))} in ${tenant} → ${expected ?? 'nothing'}`, async () => {
      const found = await core.lines.resolve(tenant === 'a' ? a : b, input);
      assert.equal(found?.line.number, expected);
      if (found) assert.equal(found.user.id, found.line.userId);
    });
  }

  test('no dialled string reaches two lines of a tenant', async () => {
    const add = (tenantId: string, number: string, did?: string) =>
      core.lines.add(tenantId, { number, userId: alice.id, did });
    const refused: [string, string | undefined, RegExp][] = [
      ['201', undefined, /extension 201 is taken/],
      ['203', '+49 89 123456', /\+4989123456 is the DID of line 202/],
      ['203', '+4971112345201', /dialling 201 would reach line 201 too/], // 201 is +49 711 12345-201
    ];
    for (const [number, did, message] of refused) {
      await assert.rejects(add(a, number, did), { code: 'PARLEY_ERR_CONFLICT', message });
    }
    const eveAdd = (number: string, did?: string) => core.lines.add(b, { number, userId: eve.id, did });
    // '12345' dialled in Berlin is +49 30 12345, line 201's DID; '493012345' is its digits.
    await assert.rejects(eveAdd('12345'), {
      code: 'PARLEY_ERR_CONFLICT',
      message: /dialling 12345 would reach line 201/,
    });
    await assert.rejects(eveAdd('493012345'), { code: 'PARLEY_ERR_CONFLICT', message: /dialling 493012345/ });
    await assert.rejects(eveAdd('300', '+4930201'), { code: 'PARLEY_ERR_CONFLICT', message: /dialling 201 would/ });
    assert.deepEqual(
      (await core.lines.list(b)).map((l) => l.number),
      ['201'],
    );
    // Another tenant's numbers are no conflict.
    const other = await core.lines.add(b, { number: '202', userId: eve.id, did: '+4989123456' });
    assert.equal((await core.lines.resolve(b, '4989123456'))?.user.id, eve.id);
    assert.equal((await core.lines.resolve(a, '4989123456'))?.user.id, bob.id);
    await core.lines.remove(b, other.number);
  });

  test('bad numbers, unknown users and system administrators are refused with their codes', async () => {
    const cases: [string, { number: string; userId?: string; did?: string }, string, RegExp][] = [
      [a, { number: '2a1' }, 'PARLEY_ERR_VALIDATION', /number: an extension is 1 to 15 digits/],
      [a, { number: '' }, 'PARLEY_ERR_VALIDATION', /number: an extension/],
      [a, { number: '0201' }, 'PARLEY_ERR_VALIDATION', /trunk prefix 0/],
      [a, { number: '2011' }, 'PARLEY_ERR_VALIDATION', /extensions have 3 digits/],
      [a, { number: '205', did: 'call me' }, 'PARLEY_ERR_VALIDATION', /did: not a phone number/],
      [a, { number: '205', did: '206' }, 'PARLEY_ERR_VALIDATION', /did: an internal extension/],
      [a, { number: '205', userId: eve.id }, 'PARLEY_ERR_NOT_FOUND', /user not found/],
      [b, { number: '205', userId: 'no-such-user' }, 'PARLEY_ERR_NOT_FOUND', /user not found/],
    ];
    for (const [tenantId, input, code, message] of cases) {
      await assert.rejects(core.lines.add(tenantId, { userId: alice.id, ...input }), { code, message });
    }
    const tenantAdmin = { role: 'tenant-admin' as const, userId: bob.id };
    await assert.rejects(core.lines.add(a, { number: '299', userId: root.id }, tenantAdmin), {
      code: 'PARLEY_ERR_FORBIDDEN',
    });
    await core.lines.add(a, { number: '299', userId: root.id });
    await assert.rejects(core.lines.remove(a, '299', tenantAdmin), { code: 'PARLEY_ERR_FORBIDDEN' });
    await core.lines.remove(a, '299');
    await assert.rejects(core.lines.remove(a, '299'), { code: 'PARLEY_ERR_NOT_FOUND', message: 'line 299 not found' });
    await assert.rejects(core.lines.remove(b, '202'), { code: 'PARLEY_ERR_NOT_FOUND' }, "not tenant a's 202");
  });

  test('devices: bound to one of the owner’s lines or to all of them; a call to a line rings both kinds', async () => {
    const carol = (await core.users.create(a, { local: 'carol', password: 'secret-password' })).user;
    const l1 = await core.lines.add(a, { number: '301', userId: carol.id });
    const l2 = await core.lines.add(a, { number: '302', userId: carol.id });
    const desk = (await core.devices.create(a, carol.id, { name: 'Desk', line: '301' })).device;
    const soft = (await core.devices.create(a, carol.id, { name: 'Softphone' })).device;
    assert.equal((await core.devices.create(a, carol.id, { name: 'Fax', line: '302' })).device.lineId, l2.id);
    assert.equal(desk.lineId, l1.id);
    assert.equal(soft.lineId, null);
    const names = async (lineId: string) => (await core.devices.ofLine(a, lineId)).map((d) => d.name).sort();
    assert.deepEqual(await names(l1.id), ['Desk', 'Softphone']);
    assert.deepEqual(await names(l2.id), ['Fax', 'Softphone']);
    await assert.rejects(core.devices.ofLine(b, l1.id), { code: 'PARLEY_ERR_NOT_FOUND' });
    await assert.rejects(core.devices.create(a, carol.id, { name: 'x', line: '201' }), {
      code: 'PARLEY_ERR_VALIDATION',
      message: /line 201 is not a line of carol@a.test/,
    });
    await assert.rejects(core.devices.create(a, carol.id, { name: 'x', line: '399' }), {
      code: 'PARLEY_ERR_NOT_FOUND',
      message: 'line 399 not found',
    });

    // A removed line leaves its devices ringing for the owner's other lines.
    await core.lines.remove(a, '301');
    assert.equal((await core.devices.list(a, carol.id)).find((d) => d.id === desk.id)?.lineId, null);
    // A disabled owner's lines reach no one; a removed owner's lines are gone.
    await core.users.update(a, carol.id, { disabled: true });
    assert.equal(await core.lines.resolve(a, '302'), undefined);
    await core.users.remove(a, carol.id);
    assert.deepEqual(
      (await core.lines.list(a)).map((l) => l.number),
      ['201', '202'],
    );
  });
});
