import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';

describe('SIP trunks (core.trunks)', () => {
  let core: Core;
  let dir: string;
  let a: string;
  let b: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-trunks-'));
    const config = loadConfig({
      env: {},
      overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent', 'outbound.allow': ['10.0.0.0/8'] },
    });
    core = await openCore({ config, log: pino({ level: 'silent' }) });
    a = (await core.tenants.create({ domain: 'a.test', country: 'DE', areaCode: '711' })).id;
    b = (await core.tenants.create({ domain: 'b.test', country: 'DE', areaCode: '30' })).id;
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a route presents the caller line DID, else the caller ID, in the format the provider wants', async () => {
    const alice = await core.users.create(a, {
      local: 'alice',
      domain: 'a.test',
      role: 'user',
      password: 'secret-pw-1',
    });
    const line = await core.lines.add(a, { number: '201', did: '+4971112345201', userId: alice.user.id });
    await core.trunks.add(a, {
      name: 'itsp',
      host: '10.1.2.3',
      username: 'acme',
      password: 'p@ss',
      numberFormat: 'national',
      callerId: '0711 12345-0',
    });
    const viaLine = await core.trunks.route(a, '+442071234567', { userId: alice.user.id, lineId: line.id });
    assert.deepEqual(viaLine && [viaLine.dial, viaLine.presented, viaLine.address, viaLine.credentials], [
      '00442071234567',
      '071112345201',
      { host: '10.1.2.3', port: 5060 },
      { username: 'acme', password: 'p@ss' },
    ]);
    const anonymous = await core.trunks.route(a, '+4971199887766');
    assert.deepEqual(anonymous && [anonymous.dial, anonymous.presented], ['071199887766', '0711123450']);
    assert.equal(await core.trunks.route(b, '+4930123456'), undefined, 'tenant b has no trunk');
  });

  test('external numbers are those the plan reads as E.164, not extensions', async () => {
    assert.equal(await core.trunks.external(a, '0711 9876543'), '+497119876543');
    assert.equal(await core.trunks.external(a, '9876543'), '+497119876543', 'a local number in area 711');
    assert.equal(await core.trunks.external(b, '9876543'), '+49309876543', "in b's area 30");
    assert.equal(await core.trunks.external(a, 'alice'), undefined);
    assert.equal(await core.trunks.callerNumber(a, '07119876543'), '+497119876543');
    assert.equal(await core.trunks.callerNumber(a, 'anonymous'), 'anonymous');
  });

  test('a request is from a trunk by its sources, else by its host address', async () => {
    await core.trunks.add(b, { name: 'pbx', host: '10.9.9.9', inboundSources: ['10.8.0.0/16', '10.7.7.7:5070'] });
    const names = async (address: string, port: number) => (await core.trunks.from(address, port)).map((t) => t.name);
    assert.deepEqual(await names('10.1.2.3', 5060), ['itsp'], "a's trunk by its host and port");
    assert.deepEqual(await names('10.1.2.3', 5099), [], 'another port of its host');
    assert.deepEqual(await names('10.8.1.1', 5060), ['pbx']);
    assert.deepEqual(await names('10.7.7.7', 5070), ['pbx']);
    assert.deepEqual(await names('10.7.7.7', 5071), [], 'another port of that address');
    assert.deepEqual(await names('10.9.9.9', 5060), [], "pbx's host, not among its sources");
    // One provider serves many tenants: each tenant's trunk is a candidate, the DID decides.
    await core.trunks.add(a, { name: 'shared', host: '10.5.5.5', inboundSources: ['10.8.0.0/16'] });
    assert.deepEqual((await names('10.8.1.1', 5060)).sort(), ['pbx', 'shared']);
    await assert.rejects(
      core.trunks.add(a, { name: 'world', host: '10.5.5.5', inboundSources: ['0.0.0.0/0'] }),
      /wider than \/16/,
    );
  });

  test('the outbound policy refuses a host a system admin did not allow (metadata, private)', async () => {
    await assert.rejects(
      core.trunks.add(a, { name: 'meta', host: '169.254.169.254' }),
      (err: Error & { details?: { path: string }[] }) => {
        assert.deepEqual(
          err.details?.map((d) => d.path),
          ['host'],
        );
        assert.match(err.message, /metadata/);
        return true;
      },
    );
    await assert.rejects(core.trunks.add(a, { name: 'lan', host: '192.168.1.10' }), /private address/);
  });
});
