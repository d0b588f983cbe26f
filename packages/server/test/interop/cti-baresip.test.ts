// Call control from the REST API on real phones: two baresip phones in auto-answer mode. MakeCall
// rings alice's phone first (an INVITE without an offer), then bob's; each phone plays a tone (alice
// 1 kHz, bob 600 Hz) and the WAV each one recorded must carry the other's tone. Hold and retrieve
// re-INVITE both phones (RFC 3725 Flow IV); clear hangs both up. Bob's presence follows.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Call } from '@parley/api';
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

describe('call control of baresip phones through the REST API', { skip }, () => {
  let t: TestServer;
  let dir: string;
  const phones: Baresip[] = [];
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;

  before(async () => {
    dir = tempDir('parley-cti-');
    t = await startTestServer();
    const udp = t.listeners.find((l: Listener) => l.name === 'sip-udp');
    assert.ok(udp);
    for (const [name, number, hz] of [
      ['alice', '201', 1000],
      ['bob', '202', 600],
    ] as const) {
      const person = await t.user(`${name}@${DOMAIN}`);
      await t.core.lines.add(person.tenantId, { number, userId: person.userId });
      const { device, password } = await t.core.devices.create(person.tenantId, person.userId, { name: 'softphone' });
      await writeTone(join(dir, `${name}.wav`), hz, 60);
      phones.push(
        await startBaresip({
          domain: DOMAIN,
          registrar: `${udp.host}:${udp.port}`,
          account: { user: name, password },
          authUser: device.username,
          source: join(dir, `${name}.wav`),
          autoAnswer: true,
        }),
      );
      if (name === 'alice') alice = person;
      else bob = person;
    }
  });
  after(async () => {
    for (const p of phones) await p.stop();
    await t?.stop();
    removeTemp(dir);
  });

  const post = async (path: string, body: unknown = {}) => {
    const r = await call(t.url, 'POST', path, { token: alice.token, body });
    assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
    return JSON.parse(r.text) as Call;
  };
  const state = () => t.core.calls.ofUser(alice.tenantId, alice.userId)[0];
  const flags = async () => (await t.core.presence.get(bob.tenantId, bob.userId)).flags;

  test('MakeCall: alice rings and answers, then bob; audio both ways; hold, retrieve and clear', async () => {
    const [a, b] = phones as [Baresip, Baresip];
    const made = await post('/api/v1/calls', { to: '202' });
    await a.waitEvent('CALL_ESTABLISHED', { timeoutMs: 60_000 });
    await b.waitEvent('CALL_ESTABLISHED', { timeoutMs: 60_000 });
    await waitUntil(
      () => (state()?.answeredAt ? true : undefined),
      60_000,
      () => `established: ${JSON.stringify(state())}`,
    );
    await waitUntil(
      async () => ((await flags()).includes('on-call') ? true : undefined),
      60_000,
      () => 'bob on the phone',
    );
    // Two seconds of each direction, then the tones.
    const enough = 2 * 8000 * 2;
    const decoded = (p: Baresip) => p.recordings().find((f) => f.includes('-dec'));
    for (const p of [a, b])
      await waitUntil(
        () => {
          const f = decoded(p);
          return f && statSync(f).size > enough ? true : undefined;
        },
        60_000,
        () => `${p.aor}'s recording: ${p.recordings().join(', ')}`,
      );
    const fromA = a.events.length;
    const fromB = b.events.length;
    assert.equal((await post(`/api/v1/calls/${made.id}/hold`)).state, 'held');
    await a.waitEvent('CALL_REMOTE_SDP', { from: fromA, timeoutMs: 60_000 });
    await b.waitEvent('CALL_REMOTE_SDP', { from: fromB, timeoutMs: 60_000 });
    assert.equal((await post(`/api/v1/calls/${made.id}/retrieve`)).state, 'connected');

    await post(`/api/v1/calls/${made.id}/clear`);
    await a.waitEvent('CALL_CLOSED', { timeoutMs: 60_000 });
    await b.waitEvent('CALL_CLOSED', { timeoutMs: 60_000 });
    await waitUntil(
      async () => ((await flags()).includes('on-call') ? undefined : true),
      60_000,
      () => 'bob off the phone',
    );
    assert.equal(state(), undefined);
    // The recordings are complete (their WAV headers written) once the calls closed.
    for (const [p, hz] of [
      [b, 1000],
      [a, 600],
    ] as const) {
      const pcm = readWav(decoded(p) as string);
      assert.ok(rms(pcm.samples) > 0.05, `${p.aor} heard silence`);
      assert.ok(Math.abs(dominantFrequency(pcm) - hz) <= 25, `${p.aor} heard ${dominantFrequency(pcm)} Hz`);
    }
  });
});
