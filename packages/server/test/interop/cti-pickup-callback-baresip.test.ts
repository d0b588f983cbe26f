// DirectedPickup, GroupPickup by feature code and CallBack on real phones: three baresip phones,
// each playing a tone (alice 1 kHz, bob 600 Hz, carol 800 Hz). Bob (auto-answer) picks up a call
// ringing at carol's phone, over REST and by dialling *8 (they share a pickup group), and talks with
// alice; alice asks to be called back by carol, who did not answer, and is rung (she
// answers herself: a call-back rings without auto-answer hints) once carol has used her phone; then
// carol is called. Each WAV a phone recorded must carry the other party's tone.
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Listener } from '../../src/adapters/adapter.js';
import { removeTemp, tempDir, waitUntil } from '../support/cluster.js';
import { call } from '../support/http.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { dominantFrequency, readWav, rms, SOX, writeTone } from './support/audio.js';
import { type Baresip, probeBaresip, startBaresip } from './support/baresip.js';
import { probeBinary } from './support/sip-peers.js';

const skip = await requirePeer('baresip + sox', async () => {
  await probeBaresip();
  await probeBinary(SOX, ['--version']);
});

const DOMAIN = 'example.test';
const people = [
  ['alice', '201', 1000, false],
  ['bob', '202', 600, true],
  ['carol', '203', 800, false],
] as const;
type Name = (typeof people)[number][0];

describe('pickup and call-back with baresip phones', { skip }, () => {
  let t: TestServer;
  let dir: string;
  const phones = {} as Record<Name, Baresip>;
  const users = {} as Record<Name, Awaited<ReturnType<TestServer['user']>>>;

  before(async () => {
    dir = tempDir('parley-cti-pickup-');
    t = await startTestServer();
    const udp = t.listeners.find((l: Listener) => l.name === 'sip-udp');
    assert.ok(udp);
    for (const [name, number, hz, autoAnswer] of people) {
      const person = await t.user(`${name}@${DOMAIN}`);
      // Bob and carol share a pickup group.
      const pickupGroup = name === 'alice' ? null : 'desk';
      await t.core.lines.add(person.tenantId, { number, userId: person.userId, pickupGroup });
      const { device, password } = await t.core.devices.create(person.tenantId, person.userId, { name: 'softphone' });
      await writeTone(join(dir, `${name}.wav`), hz, 120);
      phones[name] = await startBaresip({
        domain: DOMAIN,
        registrar: `${udp.host}:${udp.port}`,
        account: { user: name, password },
        authUser: device.username,
        source: join(dir, `${name}.wav`),
        autoAnswer,
      });
      users[name] = person;
    }
  });
  after(async () => {
    for (const p of Object.values(phones)) await p.stop();
    await t?.stop();
    removeTemp(dir);
  });

  const post = async (who: Name, path: string, body: unknown = {}) => {
    const r = await call(t.url, 'POST', path, { token: users[who].token, body });
    assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
    return JSON.parse(r.text) as { id: string };
  };
  const live = (who: Name) => t.core.calls.ofUser(users[who].tenantId, users[who].userId);
  const ringingAt = (who: Name) =>
    waitUntil(
      () =>
        live(who).find((c) =>
          c.connections.some((x) => x.party.userId === users[who].userId && x.state === 'alerting'),
        ),
      60_000,
      () => `a call ringing at ${who}: ${JSON.stringify(live(who))}`,
    );
  const idle = (who: Name) =>
    waitUntil(
      () => (live(who).length === 0 ? true : undefined),
      60_000,
      () => `${who} idle`,
    );

  /** What `p` received in the call it is in: its decoded recording, once two seconds long. */
  async function received(p: Baresip): Promise<string> {
    return waitUntil(
      () => {
        const f = p.recordings().find((r) => r.includes('-dec'));
        return f && statSync(f).size > 2 * 8000 * 2 ? f : undefined;
      },
      60_000,
      () => `${p.aor}'s recording: ${p.recordings().join(', ')}`,
    );
  }

  /**
   * Removes every phone's recordings (of calls that closed): a call's are then the only ones. baresip
   * names them by the second, so a call's may reuse the name of the call before.
   */
  const clearRecordings = () => {
    for (const f of Object.values(phones).flatMap((p) => p.recordings())) rmSync(f);
  };

  /** `a` and `b` talk: each records the other's tone; then `a` hangs up and both calls close. */
  async function talked(a: Name, b: Name, marks: { a: number; b: number }) {
    const [pa, pb] = [phones[a], phones[b]];
    const files = { a: await received(pa), b: await received(pb) };
    await pa.hangup();
    await pa.waitEvent('CALL_CLOSED', { from: marks.a, timeoutMs: 60_000 });
    await pb.waitEvent('CALL_CLOSED', { from: marks.b, timeoutMs: 60_000 });
    const tone = (name: Name) => people.find((p) => p[0] === name)?.[2] as number;
    for (const [file, hz, who] of [
      [files.a, tone(b), a],
      [files.b, tone(a), b],
    ] as const) {
      const pcm = readWav(file);
      assert.ok(rms(pcm.samples) > 0.05, `${who} heard silence`);
      assert.ok(Math.abs(dominantFrequency(pcm) - hz) <= 25, `${who} heard ${dominantFrequency(pcm)} Hz, not ${hz}`);
    }
  }

  /** Alice calls carol, whose phone rings; bob takes the call by `pickUp` and talks with alice. */
  async function pickedUpByBob(pickUp: (callId: string) => Promise<unknown>) {
    const marks = {
      alice: phones.alice.events.length,
      bob: phones.bob.events.length,
      carol: phones.carol.events.length,
    };
    clearRecordings();
    await phones.alice.dial(`sip:203@${DOMAIN}`);
    await phones.carol.waitEvent('CALL_INCOMING', { from: marks.carol, timeoutMs: 60_000 });
    await pickUp((await ringingAt('carol')).id);
    await phones.carol.waitEvent('CALL_CLOSED', { from: marks.carol, timeoutMs: 60_000 });
    await phones.bob.waitEvent('CALL_ESTABLISHED', { from: marks.bob, timeoutMs: 60_000 });
    await phones.alice.waitEvent('CALL_ESTABLISHED', { from: marks.alice, timeoutMs: 60_000 });
    await talked('alice', 'bob', { a: marks.alice, b: marks.bob });
    await idle('alice');
  }

  test('DirectedPickup: bob takes the call ringing at carol’s phone and talks with alice', () =>
    pickedUpByBob((callId) => post('bob', `/api/v1/calls/${callId}/pickup`)));

  test('GroupPickup by feature code: bob dials *8 and gets the call ringing at carol’s phone', () =>
    pickedUpByBob(() => phones.bob.dial(`sip:*8@${DOMAIN}`)));

  test('CallBack (no answer): alice is rung once carol has used her phone, then carol; audio both ways', async () => {
    let marks = { alice: phones.alice.events.length, carol: phones.carol.events.length };
    await phones.alice.dial(`sip:203@${DOMAIN}`);
    await phones.carol.waitEvent('CALL_INCOMING', { from: marks.carol, timeoutMs: 60_000 });
    const ringing = await ringingAt('carol');
    const callBack = await post('alice', `/api/v1/calls/${ringing.id}/callback`);
    await phones.alice.hangup();
    await phones.carol.waitEvent('CALL_CLOSED', { from: marks.carol, timeoutMs: 60_000 });
    await idle('carol');
    // Carol comes back and calls bob (who answers by himself); when she hangs up, the call-back runs.
    const bobMark = phones.bob.events.length;
    marks = { alice: phones.alice.events.length, carol: phones.carol.events.length };
    await phones.carol.dial(`sip:202@${DOMAIN}`);
    await phones.carol.waitEvent('CALL_ESTABLISHED', { from: marks.carol, timeoutMs: 60_000 });
    assert.equal(
      phones.alice.events.slice(marks.alice).some((e) => e.type === 'CALL_INCOMING'),
      false,
      'not while carol is on the phone',
    );
    await phones.carol.hangup();
    await phones.bob.waitEvent('CALL_CLOSED', { from: bobMark, timeoutMs: 60_000 });
    // Alice's phone rings (no auto-answer: she asked to be rung); she answers, then carol's rings.
    await phones.alice.waitEvent('CALL_INCOMING', { from: marks.alice, timeoutMs: 60_000 });
    clearRecordings();
    const carolMark = phones.carol.events.length;
    await phones.alice.answer();
    await phones.carol.waitEvent('CALL_INCOMING', { from: carolMark, timeoutMs: 60_000 });
    await phones.carol.answer();
    await phones.alice.waitEvent('CALL_ESTABLISHED', { from: marks.alice, timeoutMs: 60_000 });
    await phones.carol.waitEvent('CALL_ESTABLISHED', { from: carolMark, timeoutMs: 60_000 });
    const pending = await call(t.url, 'GET', '/api/v1/callbacks', { token: users.alice.token });
    assert.deepEqual((JSON.parse(pending.text) as { callBacks: { id: string }[] }).callBacks, [], callBack.id);
    await talked('alice', 'carol', { a: marks.alice, b: carolMark });
    await idle('alice');
  });
});
