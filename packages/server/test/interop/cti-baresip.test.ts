// Call control of real phones: three baresip phones in auto-answer mode, each playing its own tone
// (alice 1 kHz, bob 600 Hz, carol 1450 Hz) and recording what it receives, so every check of a
// call's audio is a Goertzel look for the other parties' tones in the WAVs the phones wrote.
// - REST: MakeCall rings alice's phone first (an INVITE without an offer), then bob's; hold and
//   retrieve re-INVITE both phones (RFC 3725 Flow IV); clear hangs both up. Bob's presence follows.
// - A CSTA client written from the ECMA texts alone (Python, csta_client.py) in both framings.
// - CSTA services on the phones: GenerateDigits (RFC 4733 events bob's baresip reports),
//   ConsultationCall, AlternateCall, TransferCall, SingleStepTransferCall and a three-party
//   ConferenceCall in which every party hears the other two.
// - The phone's own transfer key: baresip's `transfer` (a blind REFER, RFC 3515).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Call } from '@parley/api';
import type { Listener } from '../../src/adapters/adapter.js';
import { removeTemp, tempDir, waitUntil } from '../support/cluster.js';
import { CstaClient, type CstaReply, startSession } from '../support/csta.js';
import { call } from '../support/http.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { dominantFrequency, goertzel, type Pcm, readWav, rms, SOX, writeTone } from './support/audio.js';
import { type Baresip, probeBaresip, startBaresip } from './support/baresip.js';
import { probePython, type Seen, startPythonCsta } from './support/csta-python.js';
import { probeBinary } from './support/sip-peers.js';

const skip = await requirePeer('baresip + sox + python3', async () => {
  await probeBaresip();
  await probeBinary(SOX, ['--version']);
  await probePython();
});

const DOMAIN = 'example.test';
const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const WAIT = { timeoutMs: 60_000 };
const csta = (name: string, inner = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><${name} xmlns="${ED4}">${inner}</${name}>`;
const conn = (name: string, callId: string, device: string) =>
  `<${name}><callID>${callId}</callID><deviceID>${device}</deviceID></${name}>`;
const TONES = { alice: 1000, bob: 600, carol: 1450 } as const;
type Name = keyof typeof TONES;

/** The power of the weakest tone of `hzs` in the one-second window of `pcm` where it is strongest. */
function together(pcm: Pcm, hzs: number[]): number {
  const size = pcm.rate;
  let best = 0;
  for (let start = 0; start + size <= pcm.samples.length; start += size / 4) {
    const window = pcm.samples.subarray(start, start + size);
    best = Math.max(best, Math.min(...hzs.map((hz) => goertzel(window, pcm.rate, hz))));
  }
  return best;
}

/** Asserts that one of `pcms` carries every tone of `hzs` clearly in the same second. */
function assertHeard(pcms: Pcm[], hzs: number[], what: string): void {
  const powers = pcms.map((pcm) => together(pcm, hzs));
  assert.ok(
    powers.some((p) => p > 0.001),
    `${what}: ${hzs.join(' + ')} Hz; best powers ${powers.map((p) => p.toFixed(5)).join(', ')} of ${pcms.map((p) => `${(p.samples.length / p.rate).toFixed(1)} s`).join(', ')}`,
  );
}

describe('call control of baresip phones (REST and CSTA)', { skip }, () => {
  let t: TestServer;
  let dir: string;
  let cstaPort: number;
  const phones = {} as Record<Name, Baresip>;
  const people = {} as Record<Name, Awaited<ReturnType<TestServer['user']>> & { address: string }>;
  /** A tenant admin's CSTA session: it may control every line. */
  let ops: CstaClient;

  before(async () => {
    dir = tempDir('parley-cti-');
    t = await startTestServer();
    const udp = t.listeners.find((l: Listener) => l.name === 'sip-udp');
    assert.ok(udp);
    cstaPort = t.listeners.find((l: Listener) => l.name === 'csta')?.port as number;
    for (const [name, number] of [
      ['alice', '201'],
      ['bob', '202'],
      ['carol', '203'],
    ] as const) {
      const address = `${name}@${DOMAIN}`;
      const person = await t.user(address);
      people[name] = { ...person, address };
      await t.core.lines.add(person.tenantId, { number, userId: person.userId });
      const { device, password } = await t.core.devices.create(person.tenantId, person.userId, { name: 'softphone' });
      await writeTone(join(dir, `${name}.wav`), TONES[name], 600);
      phones[name] = await startBaresip({
        domain: DOMAIN,
        registrar: `${udp.host}:${udp.port}`,
        account: { user: name, password },
        authUser: device.username,
        source: join(dir, `${name}.wav`),
        autoAnswer: true,
      });
    }
    const admin = await t.user(`ops@${DOMAIN}`, { role: 'tenant-admin' });
    ops = await CstaClient.open(cstaPort, 'header');
    const r = await ops.ask(startSession(`ops@${DOMAIN}`, admin.password));
    assert.equal(r.root.name, 'StartApplicationSessionPosResponse', r.xml);
    for (const number of ['201', '202', '203'])
      assert.equal(
        (await ops.ask(csta('MonitorStart', `<monitorObject><deviceObject>${number}</deviceObject></monitorObject>`)))
          .root.name,
        'MonitorStartResponse',
      );
  });
  after(async () => {
    ops?.close();
    for (const p of Object.values(phones)) await p.stop();
    await t?.stop();
    removeTemp(dir);
  });

  /** A CSTA request of the admin session that must succeed. */
  const ask = async (xml: string): Promise<CstaReply> => {
    const r = await ops.ask(xml);
    assert.equal(r.error, undefined, `${r.root.name}: ${r.xml}`);
    return r;
  };
  /** The next event of the admin's monitors with this name and, if given, this text at `path`. */
  const event = (name: string, path?: string, value?: string) =>
    ops.next((m) => m.root.name === name && (path === undefined || m.text(path) === value), 60_000);
  /** Each phone's event count now, to wait for what comes after. */
  const mark = () =>
    Object.fromEntries(Object.entries(phones).map(([n, p]) => [n, p.events.length])) as Record<Name, number>;
  /** The size of every recording now. */
  const recordingsNow = () => {
    const sizes = new Map<string, number>();
    for (const p of Object.values(phones)) for (const f of p.recordings()) sizes.set(f, statSync(f).size);
    return sizes;
  };
  /** What a phone received since `before` (what its recordings of received audio gained since then). */
  const heardSince = (name: Name, before: Map<string, number>): Pcm[] =>
    phones[name]
      .recordings()
      .filter((f) => f.includes('-dec'))
      .map((f) => {
        const pcm = readWav(f);
        const skip = Math.max(0, ((before.get(f) ?? 44) - 44) / 2);
        return { rate: pcm.rate, samples: pcm.samples.subarray(skip) };
      })
      .filter((pcm) => pcm.samples.length > 0);
  /** Waits until a recording of every phone in `names` grew by `seconds` of audio from now. */
  const waitAudio = async (names: Name[], seconds: number) => {
    const now = recordingsNow();
    for (const n of names)
      await waitUntil(
        () =>
          phones[n]
            .recordings()
            .some((f) => f.includes('-dec') && statSync(f).size > (now.get(f) ?? 0) + seconds * 8000 * 2)
            ? true
            : undefined,
        60_000,
        () =>
          `${n}'s recordings: ${phones[n].recordings().map((f) => `${f} ${statSync(f).size}`)}\n${phones[n].logs.slice(-5).join('\n')}`,
      );
  };

  /** Forgets the events of earlier tests. */
  const drain = async () => {
    while (ops.pending().length > 0) await ops.next();
  };
  /** MakeCall over CSTA from `from` to `to`; both phones answer; the call id. */
  const makeCall = async (from: string, to: string, a: Name, b: Name) => {
    await drain();
    const m = mark();
    const made = await ask(
      csta('MakeCall', `<callingDevice>${from}</callingDevice><calledDirectoryNumber>${to}</calledDirectoryNumber>`),
    );
    const callId = made.text('callingDevice/callID') as string;
    assert.ok(callId, made.xml);
    await phones[a].waitEvent('CALL_ESTABLISHED', { from: m[a], ...WAIT });
    await phones[b].waitEvent('CALL_ESTABLISHED', { from: m[b], ...WAIT });
    await event('EstablishedEvent', 'answeringDevice/deviceIdentifier', to);
    return callId;
  };
  /** Alice (201) consults carol (203) from `first`; carol's phone answers; the consultation call's id. */
  const consult = async (first: string, m: Record<Name, number>) => {
    const r = await ask(
      csta('ConsultationCall', `${conn('existingCall', first, '201')}<consultedDevice>203</consultedDevice>`),
    );
    const second = r.text('initiatedCall/callID') as string;
    assert.ok(second, r.xml);
    await phones.carol.waitEvent('CALL_ESTABLISHED', { from: m.carol, ...WAIT });
    return second;
  };
  /** TransferCall or ConferenceCall by alice of `held` and `active`; the resulting call's id, once its event came. */
  const joinCalls = async (service: 'TransferCall' | 'ConferenceCall', held: string, active: string) => {
    const [result, name, by] =
      service === 'TransferCall'
        ? ['transferredCall', 'TransferredEvent', 'transferringDevice']
        : ['conferenceCall', 'ConferencedEvent', 'conferencingDevice'];
    const r = await ask(csta(service, `${conn('heldCall', held, '201')}${conn('activeCall', active, '201')}`));
    const callId = r.text(`${result}/callID`) as string;
    assert.ok(callId, r.xml);
    assert.equal((await event(name)).text(`${by}/deviceIdentifier`), '201');
    return callId;
  };
  const clear = (callId: string, device: string) =>
    ask(csta('ClearConnection', conn('connectionToBeCleared', callId, device)));

  test('REST MakeCall: alice rings and answers, then bob; audio both ways; hold, retrieve and clear', async () => {
    const { alice, bob } = phones;
    const before = recordingsNow();
    const post = async (path: string, body: unknown = {}) => {
      const r = await call(t.url, 'POST', path, { token: people.alice.token, body });
      assert.ok(r.status < 300, `${path}: ${r.status} ${r.text}`);
      return JSON.parse(r.text) as Call;
    };
    const state = () => t.core.calls.ofUser(people.alice.tenantId, people.alice.userId)[0];
    const flags = async () => (await t.core.presence.get(people.bob.tenantId, people.bob.userId)).flags;
    const m = mark();
    const made = await post('/api/v1/calls', { to: '202' });
    await alice.waitEvent('CALL_ESTABLISHED', { from: m.alice, ...WAIT });
    await bob.waitEvent('CALL_ESTABLISHED', { from: m.bob, ...WAIT });
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
    await waitAudio(['alice', 'bob'], 2);
    const fromA = alice.events.length;
    const fromB = bob.events.length;
    assert.equal((await post(`/api/v1/calls/${made.id}/hold`)).state, 'held');
    await alice.waitEvent('CALL_REMOTE_SDP', { from: fromA, ...WAIT });
    await bob.waitEvent('CALL_REMOTE_SDP', { from: fromB, ...WAIT });
    assert.equal((await post(`/api/v1/calls/${made.id}/retrieve`)).state, 'connected');

    await post(`/api/v1/calls/${made.id}/clear`);
    await alice.waitEvent('CALL_CLOSED', { from: m.alice, ...WAIT });
    await bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
    await waitUntil(
      async () => ((await flags()).includes('on-call') ? undefined : true),
      60_000,
      () => 'bob off the phone',
    );
    assert.equal(state(), undefined);
    // The recordings are complete (their WAV headers written) once the calls closed.
    for (const [n, hz] of [
      ['bob', TONES.alice],
      ['alice', TONES.bob],
    ] as const) {
      const [pcm] = heardSince(n, before);
      assert.ok(pcm && rms(pcm.samples) > 0.05, `${n} heard silence`);
      assert.ok(Math.abs(dominantFrequency(pcm) - hz) <= 25, `${n} heard ${dominantFrequency(pcm)} Hz`);
    }
  });

  test('a CSTA client written from the ECMA texts (Python): both framings, logins, monitors, MakeCall, events, errors', async () => {
    const a = startPythonCsta(cstaPort, 'header');
    const b = startPythonCsta(cstaPort, 'nul');
    const c = startPythonCsta(cstaPort, 'header');
    try {
      // Errors: a service before the session; a wrong password; another user's line.
      const early = await b.ask({ op: 'monitor', device: '202' });
      assert.deepEqual([early.kind, early.fields], ['error', { operation: 'securityViolation' }]);
      const wrong = await c.ask({ op: 'start', user: people.carol.address, password: 'wrong' });
      assert.equal(wrong.name, 'StartApplicationSessionNegResponse');
      assert.equal(wrong.fields?.['errorCode/definedError'], 'invalidApplicationInfo');

      const started = await a.ask({ op: 'start', user: people.alice.address, password: people.alice.password });
      assert.equal(started.name, 'StartApplicationSessionPosResponse');
      assert.equal(started.fields?.actualProtocolVersion, ED4);
      assert.ok(started.fields?.sessionID);
      // Bob speaks edition 5 over NUL framing: his answers and events come in that namespace.
      const ed5 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed5';
      const bobs = await b.ask({ op: 'start', user: people.bob.address, password: people.bob.password, edition: 5 });
      assert.equal(bobs.fields?.actualProtocolVersion, ed5);

      const own = await a.ask({ op: 'monitor', device: '201' });
      assert.equal(own.name, 'MonitorStartResponse');
      const crossRef = own.fields?.monitorCrossRefID;
      assert.ok(crossRef);
      // A user sees only their own lines: another's is as unknown as one that does not exist.
      for (const device of ['202', '299']) {
        const refused = await a.ask({ op: 'monitor', device });
        assert.deepEqual([refused.kind, refused.fields], ['error', { operation: 'invalidDeviceID' }], device);
      }
      assert.equal((await b.ask({ op: 'monitor', device: '202' })).name, 'MonitorStartResponse');

      const m = mark();
      const fromA = a.seen.length;
      const fromB = b.seen.length;
      const made = await a.ask({ op: 'makeCall', from: '201', to: '202' });
      assert.equal(made.name, 'MakeCallResponse');
      const callId = made.fields?.['callingDevice/callID'] as string;
      assert.ok(callId);
      await phones.alice.waitEvent('CALL_ESTABLISHED', { from: m.alice, ...WAIT });
      await phones.bob.waitEvent('CALL_ESTABLISHED', { from: m.bob, ...WAIT });
      const ev = (s: Seen, name: string) => s.kind === 'event' && s.name === name;
      const answered = (s: Seen) =>
        ev(s, 'EstablishedEvent') && s.fields?.['answeringDevice/deviceIdentifier'] === '202';
      for (const name of ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent'])
        await a.wait((s) => ev(s, name), fromA, name);
      const established = await a.wait(answered, fromA, 'bob answered (alice)');
      assert.equal(established.invokeId, '9999');
      assert.equal(established.fields?.monitorCrossRefID, crossRef);
      assert.equal(established.fields?.['establishedConnection/callID'], callId);
      assert.equal(established.fields?.['callingDevice/deviceIdentifier'], '201');
      const delivered = await b.wait((s) => ev(s, 'DeliveredEvent'), fromB, 'bob rang');
      assert.deepEqual(
        [delivered.ns, delivered.invokeId, delivered.fields?.['alertingDevice/deviceIdentifier']],
        [ed5, null, '202'],
      );
      assert.equal((await b.wait(answered, fromB, 'bob answered (bob)')).fields?.localConnectionInfo, 'connected');

      assert.equal((await a.ask({ op: 'clear', callId, device: '201' })).name, 'ClearConnectionResponse');
      await phones.alice.waitEvent('CALL_CLOSED', { from: m.alice, ...WAIT });
      await phones.bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
      const cleared = await b.wait((s) => ev(s, 'ConnectionClearedEvent'), fromB, 'cleared (bob)');
      assert.equal(cleared.fields?.cause, 'normalClearing');
      await a.wait((s) => ev(s, 'ConnectionClearedEvent'), fromA, 'cleared (alice)');

      assert.equal((await a.ask({ op: 'stop' })).name, 'StopApplicationSessionPosResponse');
      await a.wait((s) => s.kind === 'closed', fromA, 'the connection ends with the session');
      for (const client of [a, b, c])
        assert.deepEqual(
          client.seen.filter((s) => s.kind === 'protocolError'),
          [],
        );
    } finally {
      for (const client of [a, b, c]) await client.stop();
    }
  });

  test('CSTA: GenerateDigits reaches bob as RFC 4733 events; ConsultationCall, AlternateCall, TransferCall', async () => {
    const before = recordingsNow();
    const first = await makeCall('201', '202', 'alice', 'bob');
    const m = mark();
    await ask(
      csta('GenerateDigits', `${conn('connectionToSendDigits', first, '201')}<charactersToSend>19#</charactersToSend>`),
    );
    await waitUntil(
      () => {
        const keys = phones.bob.events
          .slice(m.bob)
          .filter((e) => e.type === 'CALL_DTMF_START')
          .map((e) => String(e.param));
        return keys.join('') === '19#' ? true : undefined;
      },
      60_000,
      () => `bob's DTMF: ${JSON.stringify(phones.bob.events.slice(m.bob))}`,
    );

    // Alice consults carol (bob held), goes back to bob (carol held), then transfers them together.
    const second = await consult(first, m);
    await event('HeldEvent', 'heldConnection/callID', first);
    await event('EstablishedEvent', 'answeringDevice/deviceIdentifier', '203');
    await ask(csta('AlternateCall', `${conn('heldCall', first, '201')}${conn('activeCall', second, '201')}`));
    await event('HeldEvent', 'heldConnection/callID', second);
    await event('RetrievedEvent', 'retrievedConnection/callID', first);
    const joined = await joinCalls('TransferCall', second, first);
    await phones.alice.waitEvent('CALL_CLOSED', { from: m.alice, ...WAIT });
    // Bob and carol now talk to each other.
    await waitAudio(['bob', 'carol'], 3);
    await clear(joined, '202');
    await phones.bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
    await phones.carol.waitEvent('CALL_CLOSED', { from: m.carol, ...WAIT });
    assertHeard(heardSince('bob', before), [TONES.carol], 'bob heard carol after the transfer');
    assertHeard(heardSince('carol', before), [TONES.bob], 'carol heard bob after the transfer');
  });

  test('CSTA: SingleStepTransferCall hands bob to carol', async () => {
    const before = recordingsNow();
    const callId = await makeCall('201', '202', 'alice', 'bob');
    const m = mark();
    const r = await ask(
      csta('SingleStepTransferCall', `${conn('activeCall', callId, '201')}<transferredTo>203</transferredTo>`),
    );
    const transferred = r.text('transferredCall/callID') as string;
    assert.ok(transferred, r.xml);
    await phones.alice.waitEvent('CALL_CLOSED', { from: m.alice, ...WAIT });
    await phones.carol.waitEvent('CALL_ESTABLISHED', { from: m.carol, ...WAIT });
    await event('EstablishedEvent', 'answeringDevice/deviceIdentifier', '203');
    await waitAudio(['carol'], 2);
    await clear(transferred, '203');
    await phones.bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
    await phones.carol.waitEvent('CALL_CLOSED', { from: m.carol, ...WAIT });
    assertHeard(heardSince('carol', before), [TONES.bob], 'carol heard bob');
  });

  test("the phone's own transfer key: baresip's blind REFER hands bob to carol; the monitors see alice transfer", async () => {
    // A target nobody reaches: the phone hears so (NOTIFY 404). baresip 1.0's menu then drops the
    // call itself (later versions resume it); Parley's side of the call went on until its BYE.
    const failing = await makeCall('201', '202', 'alice', 'bob');
    let m = mark();
    await phones.alice.command('transfer', `sip:299@${DOMAIN}`);
    const failed = await phones.alice.waitEvent('TRANSFER_FAILED', { from: m.alice, ...WAIT });
    assert.match(String(failed.param ?? ''), /404/, 'the NOTIFY said 404');
    await phones.bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
    await event('ConnectionClearedEvent', 'droppedConnection/callID', failing);

    const callId = await makeCall('201', '202', 'alice', 'bob');
    await waitAudio(['alice', 'bob'], 1);
    m = mark();
    const before = recordingsNow();
    await phones.alice.command('transfer', `sip:203@${DOMAIN}`);
    const transferred = await event('TransferredEvent');
    assert.equal(transferred.text('transferringDevice/deviceIdentifier'), '201', 'transferred by alice');
    const closed = await phones.alice.waitEvent('CALL_CLOSED', { from: m.alice, ...WAIT });
    assert.match(String(closed.param ?? ''), /transfer/i, "alice's phone heard NOTIFY 200 before Parley's BYE");
    await phones.carol.waitEvent('CALL_ESTABLISHED', { from: m.carol, ...WAIT });
    await event('EstablishedEvent', 'answeringDevice/deviceIdentifier', '203');
    await waitAudio(['bob', 'carol'], 2);
    await clear(callId, '203');
    await phones.bob.waitEvent('CALL_CLOSED', { from: m.bob, ...WAIT });
    await phones.carol.waitEvent('CALL_CLOSED', { from: m.carol, ...WAIT });
    assertHeard(heardSince('carol', before), [TONES.bob], 'carol heard bob');
    assertHeard(heardSince('bob', before), [TONES.carol], 'bob heard carol');
  });

  test('CSTA: ConferenceCall of three; each party hears the other two', async () => {
    const before = recordingsNow();
    const first = await makeCall('201', '202', 'alice', 'bob');
    await waitAudio(['alice', 'bob'], 1);
    const m = mark();
    const second = await consult(first, m);
    await waitAudio(['alice', 'carol'], 1);
    const conference = await joinCalls('ConferenceCall', first, second);
    // Some seconds of the three together.
    await waitAudio(['alice', 'bob', 'carol'], 4);
    for (const device of ['202', '203', '201']) await clear(conference, device).catch(() => undefined);
    for (const n of ['alice', 'bob', 'carol'] as Name[])
      await waitUntil(
        () => (phones[n].events.slice(m[n]).filter((e) => e.type === 'CALL_CLOSED').length > 0 ? true : undefined),
        60_000,
        () => `${n}'s calls closed`,
      );
    await waitUntil(
      () => (t.core.calls.ofUser(people.alice.tenantId, people.alice.userId).length === 0 ? true : undefined),
      60_000,
      () => 'the conference over',
    );
    for (const n of ['alice', 'bob', 'carol'] as Name[]) {
      const others = (Object.keys(TONES) as Name[]).filter((o) => o !== n).map((o) => TONES[o]);
      assertHeard(heardSince(n, before), others, `${n} heard the other two together`);
    }
  });
});
