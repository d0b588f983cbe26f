// Two baresip phones registered to a real Kamailio call each other: the called one answers by
// itself, each plays a tone (alice 1 kHz, bob 600 Hz), hold and resume, hang up; the WAV each one
// recorded must carry the other's tone. The same helpers are later aimed at Parley.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeTemp, tempDir, waitUntil } from '../support/cluster.js';
import { requirePeer } from '../support/interop.js';
import { dominantFrequency, readWav, rms, SOX, writeTone } from './support/audio.js';
import { type Baresip, probeBaresip, startBaresip } from './support/baresip.js';
import { type Kamailio, probeBinary, probeSippKamailio, startKamailio } from './support/sip-peers.js';

const alice = { user: 'alice', password: 'alice-secret' };
const bob = { user: 'bob', password: 'bob-secret' };

const skip = await requirePeer('baresip + Kamailio + sox', async () => {
  await probeSippKamailio();
  await probeBaresip();
  await probeBinary(SOX, ['--version']);
});

/** The recording of what `phone` received (sndfile's -dec file) of its only call. */
function received(phone: Baresip): string {
  const files = phone.recordings().filter((f) => f.includes('-dec'));
  assert.equal(files.length, 1, `recordings of ${phone.aor}: ${phone.recordings().join(', ')}`);
  return files[0] as string;
}

describe('baresip phones through Kamailio', { skip }, () => {
  let kam: Kamailio;
  let a: Baresip;
  let b: Baresip;
  let dir: string;

  before(async () => {
    dir = tempDir('parley-tones-');
    await writeTone(join(dir, 'alice.wav'), 1000, 30);
    await writeTone(join(dir, 'bob.wav'), 600, 30);
    kam = await startKamailio({ users: [alice, bob] });
    const common = { domain: kam.domain, registrar: kam.target };
    a = await startBaresip({ ...common, account: alice, source: join(dir, 'alice.wav') });
    b = await startBaresip({ ...common, account: bob, source: join(dir, 'bob.wav'), autoAnswer: true });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await kam?.stop();
    removeTemp(dir);
  });

  test('a call with audio both ways, hold and resume, hang up', async () => {
    const fromA = a.events.length;
    const fromB = b.events.length;
    await a.dial(`sip:bob@${kam.domain}`);
    await b.waitEvent('CALL_ESTABLISHED', { from: fromB });
    await a.waitEvent('CALL_ESTABLISHED', { from: fromA });
    // Two seconds of audio each way (8 kHz, 16 bit) before hanging up.
    const enough = 2 * 8000 * 2;
    await waitUntil(
      () => b.recordings().some((f) => f.includes('-dec') && statSync(f).size > enough),
      60_000,
      () => `bob's recording: ${b.recordings().join(', ')}`,
    );
    await waitUntil(
      () => a.recordings().some((f) => f.includes('-dec') && statSync(f).size > enough),
      60_000,
      () => `alice's recording: ${a.recordings().join(', ')}`,
    );
    // Hold and resume are re-INVITEs: bob sees a new offer for each.
    const beforeHold = b.events.length;
    await a.hold();
    await b.waitEvent('CALL_REMOTE_SDP', { from: beforeHold });
    const beforeResume = b.events.length;
    await a.resume();
    await b.waitEvent('CALL_REMOTE_SDP', { from: beforeResume });
    await a.hangup();
    await b.waitEvent('CALL_CLOSED', { from: fromB });
    await a.waitEvent('CALL_CLOSED', { from: fromA });

    const atBob = readWav(received(b));
    assert.ok(rms(atBob.samples) > 0.05, `bob heard silence (rms ${rms(atBob.samples)})`);
    assert.ok(Math.abs(dominantFrequency(atBob) - 1000) <= 25, `bob heard ${dominantFrequency(atBob)} Hz`);
    const atAlice = readWav(received(a));
    assert.ok(rms(atAlice.samples) > 0.05, `alice heard silence (rms ${rms(atAlice.samples)})`);
    assert.ok(Math.abs(dominantFrequency(atAlice) - 600) <= 25, `alice heard ${dominantFrequency(atAlice)} Hz`);
  });
});
