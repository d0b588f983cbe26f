// SIMPLE end to end without transports: a phone's PUBLISH goes through the compositor into the
// core's presence, and a watcher's NOTIFY body is rendered from what the core lets it see.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import {
  EventStateCompositor,
  type ParsedPidf,
  type PublicationAction,
  parsePidf,
  renderPidf,
} from '../src/adapters/sip/simple/index.js';
import type { Core } from '../src/core/index.js';
import { watcherOf } from '../src/core/presence/watchers.js';
import type { User } from '../src/core/users/model.js';
import { closeCore, openCore } from '../src/create-server.js';
import { loadConfig } from '../src/platform/config/load.js';
import { xsdErrors } from './support/xsd.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0);
const onThePhone = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
  xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@simple.test">
  <tuple id="t1"><status><basic>open</basic></status></tuple>
  <dm:person id="p1"><rpid:activities><rpid:on-the-phone/></rpid:activities><dm:note>Support hotline</dm:note></dm:person>
</presence>`;

describe('SIMPLE: PUBLISH into the core, PIDF out of it', () => {
  let core: Core;
  let dir: string;
  let now = T0;
  let tenantId: string;
  let alice: User;
  let bob: User;
  const esc = new EventStateCompositor(parsePidf);

  /** What the lead's wiring does with the compositor's actions for bob. */
  const apply = async (actions: PublicationAction<ParsedPidf>[]) => {
    for (const a of actions) {
      if (a.kind === 'put') await core.presence.publish(tenantId, bob.id, a.id, a.state, a.expiresAt);
      if (a.kind === 'remove') await core.presence.unpublish(tenantId, bob.id, a.id);
    }
  };
  const publish = (body: string, ifMatch?: string) =>
    esc.publish(
      {
        resource: 'sip:bob@simple.test',
        event: 'presence',
        ifMatch,
        expires: 600,
        contentType: 'application/pidf+xml',
        body,
      },
      now,
    );
  const seenBy = async (watcher: Parameters<Core['presence']['see']>[1]) => {
    const [seen] = await core.presence.see(tenantId, watcher, ['bob@simple.test']);
    assert.ok(seen);
    return renderPidf(seen.presence, { entity: 'sip:bob@simple.test', lang: 'en', timeZone: 'UTC', now });
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-simple-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    tenantId = (await core.tenants.create({ domain: 'simple.test' })).id;
    const mk = async (local: string) =>
      (await core.users.create(tenantId, { local, domain: 'simple.test', role: 'user', password: 'secret-pw-1' })).user;
    alice = await mk('alice');
    bob = await mk('bob');
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a colleague sees the published call and note; an external only busy', async () => {
    const r = publish(onThePhone);
    assert.equal(r.response.status, 200);
    await apply(r.actions);
    const colleague = await seenBy(watcherOf(alice));
    assert.deepEqual(await xsdErrors(colleague, 'presence-all.xsd'), []);
    assert.match(colleague, /<rpid:on-the-phone\/>/);
    assert.match(colleague, /<note xml:lang="en">busy – on the phone – Support hotline<\/note>/);
    const external = await seenBy({ tenantId: null, userId: null, address: 'eve@far.test' });
    assert.match(external, /<note xml:lang="en">busy<\/note>/);
    assert.doesNotMatch(external, /on-the-phone|hotline/);
  });

  test('the phone publishes closed, then its publication expires: offline', async () => {
    const [published] = esc.of('sip:bob@simple.test');
    assert.ok(published);
    const closed = readFileSync(join(import.meta.dirname, 'fixtures/simple/vendor-snom.pidf.xml'), 'utf8');
    const r = publish(closed, published.etag);
    assert.equal(r.response.status, 200);
    await apply(r.actions);
    assert.match(await seenBy(watcherOf(alice)), /<basic>closed<\/basic>/);
    now += 600_000;
    await apply(esc.expire(now));
    await core.presence.tick();
    assert.equal((await core.presence.get(tenantId, bob.id)).availability, 'offline');
    assert.deepEqual(esc.of('sip:bob@simple.test'), []);
  });
});
