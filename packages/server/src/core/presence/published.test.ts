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
import type { PublishedInput } from './published.js';

const M = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0);
const state = (o: Partial<PublishedInput> = {}): PublishedInput => ({
  open: true,
  availability: null,
  onCall: false,
  idle: false,
  note: null,
  ...o,
});

describe('presence: a device publishes its state (SIP PUBLISH)', () => {
  let core: Core;
  let dir: string;
  let now = T0;
  let tenantId: string;
  let dave: User;
  const get = () => core.presence.get(tenantId, dave.id);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-published-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    tenantId = (await core.tenants.create({ domain: 'pub.test' })).id;
    dave = (
      await core.users.create(tenantId, { local: 'dave', domain: 'pub.test', role: 'user', password: 'secret-pw-1' })
    ).user;
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('an open publication is a client: available; busy with a note; a refresh keeps since', async () => {
    assert.equal((await get()).availability, 'offline');
    await core.presence.publish(tenantId, dave.id, 'etag-1', state(), now + 10 * M);
    assert.equal((await get()).availability, 'available');
    await core.presence.publish(
      tenantId,
      dave.id,
      'etag-1',
      state({ availability: 'busy', note: ' lab ' }),
      now + 10 * M,
    );
    let p = await get();
    assert.deepEqual([p.availability, p.note, p.since], ['busy', 'lab', now]);
    now += M;
    await core.presence.publish(
      tenantId,
      dave.id,
      'etag-1',
      state({ availability: 'busy', note: 'x'.repeat(600) }),
      now + 10 * M,
    );
    p = await get();
    assert.equal(p.since, now - M, 'same state: since stays');
    assert.equal(p.note?.length, 500, 'a note is cut, not refused');
  });

  test('on the phone, then closed: busy, then offline', async () => {
    await core.presence.publish(tenantId, dave.id, 'etag-1', state({ onCall: true }), now + 10 * M);
    assert.deepEqual((await get()).flags, ['on-call']);
    await core.presence.publish(tenantId, dave.id, 'etag-1', state({ open: false }), now + 10 * M);
    assert.equal((await get()).availability, 'offline');
  });

  test('a publication ends at its expiry, or when unpublished', async () => {
    await core.presence.publish(tenantId, dave.id, 'etag-2', state({ idle: true }), now + 5 * M);
    assert.equal((await get()).availability, 'away');
    now += 5 * M;
    await core.presence.tick();
    assert.equal((await get()).availability, 'offline', 'expired');
    await core.presence.publish(tenantId, dave.id, 'etag-3', state(), now + 5 * M);
    assert.equal((await get()).availability, 'available');
    await core.presence.unpublish(tenantId, dave.id, 'etag-3');
    assert.equal((await get()).availability, 'offline');
  });

  test('bad input is refused', async () => {
    const bad: [string, PublishedInput, number, string][] = [
      ['', state(), now + M, 'PARLEY_ERR_VALIDATION'],
      ['s', state({ availability: 'sleeping' as never }), now + M, 'PARLEY_ERR_VALIDATION'],
      ['s', state(), now, 'PARLEY_ERR_VALIDATION'],
    ];
    for (const [source, input, expires, code] of bad) {
      await assert.rejects(core.presence.publish(tenantId, dave.id, source, input, expires), { code });
    }
    await assert.rejects(core.presence.publish(tenantId, 'nobody', 's', state(), now + M), {
      code: 'PARLEY_ERR_NOT_FOUND',
    });
  });
});
