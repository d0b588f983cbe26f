import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { ParleyError } from '../errors.js';
import type { EventMap } from '../events.js';
import type { Core } from '../index.js';
import type { User } from '../users/model.js';

/** Asserts a PARLEY_ERR_VALIDATION with exactly these field paths. */
const invalidAt =
  (...paths: string[]) =>
  (err: unknown) => {
    const e = err as ParleyError;
    assert.equal(e.code, 'PARLEY_ERR_VALIDATION', e.message);
    assert.deepEqual(
      e.details?.map((d) => d.path),
      paths,
      e.message,
    );
    return true;
  };

describe('call settings service', () => {
  let core: Core;
  let dir: string;
  // Tenant a: Stuttgart, PBX +49 711 12345 with 3-digit extensions (alice 201 with a DID, bob 202).
  let a: string;
  let b: string;
  let alice: User;
  let bob: User;
  let eve: User;
  const events: EventMap['callsettings.changed'][] = [];
  // Moved by hand, so "after" is never the same millisecond.
  let now = Date.UTC(2026, 2, 2, 9, 0);
  const tick = () => {
    now += 1000;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-fwd-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
    core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
    a = (
      await core.tenants.create({
        domain: 'a.test',
        country: 'DE',
        areaCode: '711',
        numbering: { pbxBase: '+4971112345', extensionLength: { min: 3, max: 3 } },
      })
    ).id;
    b = (await core.tenants.create({ domain: 'b.test', country: 'DE', areaCode: '30' })).id;
    const mk = async (tenantId: string, local: string, domain: string) =>
      (await core.users.create(tenantId, { local, domain, role: 'user', password: 'secret-password' })).user;
    alice = await mk(a, 'alice', 'a.test');
    bob = await mk(a, 'bob', 'a.test');
    eve = await mk(b, 'eve', 'b.test');
    await core.lines.add(a, { number: '201', userId: alice.id, did: '+49 89 555123' });
    await core.lines.add(a, { number: '202', userId: bob.id });
    await core.lines.add(b, { number: '301', userId: eve.id });
    core.ctx.bus.subscribe('callsettings.changed', (e) => void events.push(e));
  });
  after(async () => {
    await closeCore(core);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a user who never changed a setting has everything off, no-answer after 20 s; ringing is the decision', async () => {
    const s = await core.forwarding.get(a, bob.id);
    assert.deepEqual(s, {
      forwarding: {
        immediate: { enabled: false, to: null },
        busy: { enabled: false, to: null },
        noAnswer: { enabled: false, to: null, afterSeconds: 20 },
      },
      dnd: false,
      remoteOffice: { enabled: false, number: null },
      updatedAt: null,
    });
    assert.deepEqual(await core.forwarding.decide(a, bob.id), {
      kind: 'ring',
      alsoRing: null,
      onBusy: null,
      onNoAnswer: null,
    });
  });

  test("another tenant's user is not found, for reading and for every change", async () => {
    for (const attempt of [
      core.forwarding.get(a, eve.id),
      core.forwarding.decide(b, alice.id),
      core.forwarding.setDnd(a, eve.id, true),
      core.forwarding.setForwarding(b, alice.id, 'busy', { enabled: true, to: '202' }),
      core.forwarding.setRemoteOffice(a, eve.id, { enabled: true, number: '0170 1234567' }),
    ]) {
      await assert.rejects(attempt, (err: ParleyError) => err.code === 'PARLEY_ERR_NOT_FOUND');
    }
    assert.equal((await core.forwarding.get(b, eve.id)).updatedAt, null);
  });

  test('targets: a colleague, an external number in any spelling the plan reads, an address; stored as entered', async () => {
    let s = await core.forwarding.setForwardingRules(a, alice.id, {
      immediate: { enabled: false, to: ' 202 ' },
      busy: { enabled: true, to: '0171 2345678' },
      noAnswer: { enabled: true, to: 'Bob@A.test', afterSeconds: 30 },
    });
    assert.deepEqual(s.forwarding, {
      immediate: { enabled: false, to: '202' },
      busy: { enabled: true, to: '0171 2345678' },
      noAnswer: { enabled: true, to: 'bob@a.test', afterSeconds: 30 },
    });
    assert.ok(s.updatedAt !== null);
    // `to` left out keeps the target; switching off keeps it too; afterSeconds stays unless given.
    s = await core.forwarding.setForwarding(a, alice.id, 'immediate', { enabled: true });
    assert.deepEqual(s.forwarding.immediate, { enabled: true, to: '202' });
    s = await core.forwarding.setForwarding(a, alice.id, 'noAnswer', { enabled: false });
    assert.deepEqual(s.forwarding.noAnswer, { enabled: false, to: 'bob@a.test', afterSeconds: 30 });
    assert.deepEqual(await core.forwarding.decide(a, alice.id), {
      kind: 'forward',
      to: '202',
      cause: 'callForwardImmediate',
    });
    s = await core.forwarding.setForwarding(a, alice.id, 'immediate', { enabled: false, to: null });
    assert.deepEqual(s.forwarding.immediate, { enabled: false, to: null });
    assert.deepEqual(await core.forwarding.get(a, alice.id), s);
  });

  test("never the user's own line (in any spelling) or address; each problem at its field; nothing changes", async () => {
    const before = await core.forwarding.get(a, alice.id);
    const own = ['201', '+49 89 555123', '089 555123', '4989555123', '+49 711 12345 201', '0711 12345201'];
    for (const to of own) {
      await assert.rejects(
        core.forwarding.setForwarding(a, alice.id, 'busy', { enabled: true, to }),
        invalidAt('busy.to'),
        to,
      );
    }
    await assert.rejects(
      core.forwarding.setForwarding(a, alice.id, 'immediate', { enabled: true, to: 'ALICE@a.test' }),
      invalidAt('immediate.to'),
    );
    await assert.rejects(
      core.forwarding.setRemoteOffice(a, alice.id, { enabled: true, number: '201' }),
      invalidAt('number'),
    );
    // Several rules wrong at once: every problem is reported, none is written.
    await assert.rejects(
      core.forwarding.setForwardingRules(a, alice.id, {
        immediate: { enabled: true, to: 'not a number' },
        busy: { enabled: true, to: null, afterSeconds: 10 },
        noAnswer: { enabled: true, to: '202', afterSeconds: 4 },
      }),
      invalidAt('immediate.to', 'busy.to', 'busy.afterSeconds', 'noAnswer.afterSeconds'),
    );
    for (const to of ['', '   ', 'x'.repeat(300), '12', 'alice@', 'sip:@a.test']) {
      await assert.rejects(
        core.forwarding.setForwarding(a, alice.id, 'noAnswer', { enabled: false, to }),
        invalidAt('noAnswer.to'),
        JSON.stringify(to),
      );
    }
    for (const afterSeconds of [4, 121, 20.5]) {
      await assert.rejects(
        core.forwarding.setForwarding(a, alice.id, 'noAnswer', { enabled: false, afterSeconds }),
        invalidAt('noAnswer.afterSeconds'),
      );
    }
    // Remote office: a phone number only, and one to switch it on.
    await assert.rejects(
      core.forwarding.setRemoteOffice(a, alice.id, { enabled: true, number: 'bob@a.test' }),
      invalidAt('number'),
    );
    await assert.rejects(core.forwarding.setRemoteOffice(a, alice.id, { enabled: true }), invalidAt('number'));
    assert.deepEqual(await core.forwarding.get(a, alice.id), before);
  });

  test('every change is published to the user with all settings; a refused one publishes nothing', async () => {
    events.length = 0;
    await core.forwarding.setRemoteOffice(a, bob.id, { enabled: true, number: '+49 170 1234567' });
    await assert.rejects(core.forwarding.setRemoteOffice(a, bob.id, { enabled: true, number: '202' }));
    const s = await core.forwarding.setDnd(a, bob.id, true);
    assert.deepEqual(
      events.map((e) => [e.tenantId, e.userId, e.settings.dnd, e.settings.remoteOffice.number]),
      [
        [a, bob.id, false, '+49 170 1234567'],
        [a, bob.id, true, '+49 170 1234567'],
      ],
    );
    assert.deepEqual(events[1]?.settings, s);
    assert.deepEqual(await core.forwarding.decide(a, bob.id), { kind: 'refuse', cause: 'doNotDisturb' });
    await core.forwarding.setDnd(a, bob.id, false);
    assert.deepEqual(await core.forwarding.decide(a, bob.id), {
      kind: 'ring',
      alsoRing: '+49 170 1234567',
      onBusy: null,
      onNoAnswer: null,
    });
  });

  test('changes of different settings at the same time all hold', async () => {
    await Promise.all([
      core.forwarding.setDnd(a, bob.id, true),
      core.forwarding.setForwarding(a, bob.id, 'busy', { enabled: true, to: '0711 4711' }),
      core.forwarding.setRemoteOffice(a, bob.id, { enabled: false }),
      core.forwarding.setForwarding(a, bob.id, 'noAnswer', { enabled: true, to: '201', afterSeconds: 60 }),
    ]);
    const s = await core.forwarding.get(a, bob.id);
    assert.equal(s.dnd, true);
    assert.deepEqual(s.forwarding.busy, { enabled: true, to: '0711 4711' });
    assert.deepEqual(s.forwarding.noAnswer, { enabled: true, to: '201', afterSeconds: 60 });
    assert.deepEqual(s.remoteOffice, { enabled: false, number: '+49 170 1234567' });
    await core.forwarding.setDnd(a, bob.id, false);
  });

  test('presence: DND shows as dnd since it went on; immediate forwarding as the forwarded flag', async () => {
    const carol = (
      await core.users.create(a, { local: 'carol', domain: 'a.test', role: 'user', password: 'pw-carol-1' })
    ).user;
    await core.presence.clientConnected(a, carol.id, 'desk', { mobile: false, sessionId: null });
    try {
      assert.equal((await core.presence.get(a, carol.id)).availability, 'available');
      await core.forwarding.setDnd(a, carol.id, true);
      let p = await core.presence.get(a, carol.id);
      assert.equal(p.availability, 'dnd');
      const since = p.since;
      assert.equal(since, now);
      tick();
      await core.forwarding.setForwarding(a, carol.id, 'immediate', { enabled: true, to: '202' });
      p = await core.presence.get(a, carol.id);
      assert.deepEqual([p.availability, p.flags, p.since], ['dnd', ['forwarded'], since], 'DND keeps its since');
      await core.forwarding.setDnd(a, carol.id, false);
      p = await core.presence.get(a, carol.id);
      assert.deepEqual([p.availability, p.flags], ['available', ['forwarded']]);
      // A new target is no new event; switching forwarding off removes the flag.
      await core.forwarding.setForwarding(a, carol.id, 'immediate', { enabled: true, to: '0711 4711' });
      assert.deepEqual((await core.presence.get(a, carol.id)).flags, ['forwarded']);
      await core.forwarding.setForwarding(a, carol.id, 'immediate', { enabled: false });
      p = await core.presence.get(a, carol.id);
      assert.deepEqual([p.availability, p.flags], ['available', []]);
      const inputs = await core.ctx.store.repos.presence.inputs(a, carol.id, core.ctx.clock.now());
      assert.deepEqual(
        inputs.filter((i) => i.source === 'call-settings'),
        [],
        'nothing on: no input',
      );
    } finally {
      await core.presence.clientDisconnected(a, carol.id, 'desk');
    }
  });

  test('DND switched on after a manual state ends it (anchor rule); a manual state set later holds', async () => {
    const dan = (await core.users.create(a, { local: 'dan', domain: 'a.test', role: 'user', password: 'pw-dan-12' }))
      .user;
    await core.presence.setManual(a, dan.id, { availability: 'available', note: 'in the lab' });
    tick();
    await core.forwarding.setDnd(a, dan.id, true);
    let p = await core.presence.get(a, dan.id);
    assert.deepEqual([p.availability, p.note], ['dnd', 'in the lab']);
    assert.equal((await core.presence.manual(a, dan.id))?.availability, null, 'the manual availability is over');
    tick();
    await core.presence.setManual(a, dan.id, { availability: 'away' });
    tick();
    assert.equal((await core.presence.get(a, dan.id)).availability, 'away');
    await core.forwarding.setForwarding(a, dan.id, 'busy', { enabled: true, to: '202' });
    assert.equal((await core.presence.get(a, dan.id)).availability, 'away', 'DND stays on: no new event');
    await core.presence.clearManual(a, dan.id);
    p = await core.presence.get(a, dan.id);
    assert.equal(p.availability, 'dnd');
  });
});
