// CTI benchmark (issue 14): device monitors per node. One tenant of LINES users with a line each;
// a CSTA application account (`parley csta-app add`) monitors MONITORS of those lines over one or
// a few application sessions; calls run between pairs of registered SIP phones over UDP loopback,
// one started every INTERVAL ms: INVITE, 180, 200, hold (re-INVITE sendonly), retrieve
// (re-INVITE sendrecv), BYE. Every user in a call also has the event WebSocket open.
//
// Per event: the latency from the SIP step that changes the call's state to the CSTA event at each
// line's monitor and to the call event on each user's socket. The step is timed just before the
// bench's phone sends it: the caller's INVITE (the one with credentials, after the 407) for
// ServiceInitiated/Originated, the callee's 180 for Delivered, its 200 for Established, the
// caller's re-INVITEs for Held and Retrieved and its BYE for ConnectionCleared.
//
// Two phases on the same server: calls with the sockets but no monitor (the baseline latency of
// the socket events; it runs first, while the JIT warms up, so its CPU per call is not a fair
// baseline for the monitors' cost, which the profile gives), then MONITORS MonitorStarts (timed),
// then the same calls again. Per phase: server CPU (/proc/PID/stat), RSS (/proc/PID/status), how
// long the server waited for a core, the bench's own event-loop delay and a CSTA round-trip probe.
// Markdown to stdout, progress to stderr.
//
//   npm run bench:cti [-- --monitors 10000 --interval 100 --seconds 30 --pairs 40 --sessions 1]
// With BENCH_PROFILE=DIR the server writes a V8 CPU profile there (summed by bench/profile-top.ts).
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EVENT_INVOKE_ID, FrameReader, renderFrame } from '../packages/server/src/adapters/csta/framing.js';
import type { User } from '../packages/server/src/core/users/model.js';
import { startSession } from '../packages/server/test/support/csta.js';
import { type Incoming, SDP, SipPhone } from '../packages/server/test/support/sip-phone.js';
import {
  type BoundListener,
  loginAll,
  machineBusySeconds,
  offer,
  openEventSockets,
  PASSWORD,
  pool,
  processRssBytes,
  row,
  runQueueWaitSeconds,
  type ServerProcess,
  seed,
  sleep,
  startServer,
  summarize,
  tempData,
} from './lib.js';

const { values } = parseArgs({
  options: {
    monitors: { type: 'string', default: '10000' },
    /** A call starts every this many ms. */
    interval: { type: 'string', default: '100' },
    /** Seconds of calls per phase. */
    seconds: { type: 'string', default: '30' },
    /** Seconds of the phase without monitors (0: none). */
    'baseline-seconds': { type: 'string', default: '30' },
    /** Pairs of phones; a pair takes one call at a time. */
    pairs: { type: 'string', default: '40' },
    /** CSTA application sessions the monitors are spread over. */
    sessions: { type: 'string', default: '1' },
    /** MonitorStart requests in flight per session. */
    window: { type: 'string', default: '64' },
    'ring-ms': { type: 'string', default: '100' },
    'talk-ms': { type: 'string', default: '300' },
    'hold-ms': { type: 'string', default: '200' },
  },
});
const MONITORS = Number(values.monitors);
const INTERVAL = Number(values.interval);
const SECONDS = Number(values.seconds);
const BASELINE_SECONDS = Number(values['baseline-seconds']);
const PAIRS = Number(values.pairs);
const SESSIONS = Number(values.sessions);
const WINDOW = Number(values.window);
const RING_MS = Number(values['ring-ms']);
const TALK_MS = Number(values['talk-ms']);
const HOLD_MS = Number(values['hold-ms']);
const LINES = Math.max(MONITORS, 2 * PAIRS);
const DOMAIN = 'cti.bench.test';
const ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
const progress = (text: string) => process.stderr.write(`${text}\n`);

/** Line i: user u<i>, extension 100000 + i. The first 2 × PAIRS are the phones' users. */
const numberOf = (i: number) => String(100_000 + i);

// --- Seeding -------------------------------------------------------------------------------------

interface Participant {
  address: string;
  number: string;
  device: { username: string; password: string };
}

const data = tempData('parley-bench-cti-');
const participants: Participant[] = [];
let appSecret = '';
let t0 = performance.now();
await seed(data.dir, async (core) => {
  const tenant = await core.tenants.create({ domain: DOMAIN });
  // The phones' users through the core as `parley user add`, `line add` and `device add` make them.
  for (let i = 0; i < 2 * PAIRS; i++) {
    const { user } = await core.users.create(tenant.id, { local: `u${i}`, domain: DOMAIN, password: PASSWORD });
    await core.lines.add(tenant.id, { number: numberOf(i), userId: user.id });
    const { device, password } = await core.devices.create(tenant.id, user.id, { name: 'bench phone' });
    participants.push({
      address: `u${i}@${DOMAIN}`,
      number: numberOf(i),
      device: { username: device.username, password },
    });
  }
  // The other monitored lines only need to exist: their users and lines in one transaction
  // (no login, no device; `lines.add` checks each new line against all others, 10,000² checks).
  const now = Date.now();
  await core.ctx.store.transaction(async (r) => {
    for (let i = 2 * PAIRS; i < LINES; i++) {
      const user: User = {
        id: randomUUID(),
        tenantId: tenant.id,
        local: `u${i}`,
        domain: DOMAIN,
        displayName: `U${i}`,
        email: null,
        numbers: [],
        role: 'user',
        disabledAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await r.users.insert(user);
      await r.lines.insert({
        id: randomUUID(),
        tenantId: tenant.id,
        userId: user.id,
        number: numberOf(i),
        did: null,
        pickupGroup: null,
        createdAt: now,
      });
    }
  });
  // What `parley csta-app add bench --tenant cti.bench.test` does.
  appSecret = (await core.ctiApps.create(tenant.id, 'bench')).secret;
});
progress(`seeded ${LINES} users with a line each in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const server = await startServer(data.dir, {
  PARLEY_CSTA_LIMITS_MAX_MONITORS: String(Math.max(1, Math.ceil(MONITORS / SESSIONS))),
  PARLEY_CSTA_LIMITS_REQUESTS_PER_SECOND: '100000',
});

async function listener(s: ServerProcess, name: string): Promise<BoundListener> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const l = s.listeners.get(name);
    if (l) return l;
    await sleep(50);
  }
  throw new Error(`the server logged no ${name} listener`);
}
const sip = await listener(server, 'sip-udp');
const cstaPort = (await listener(server, 'csta')).port;

// --- Latency bookkeeping -------------------------------------------------------------------------

type Channel = 'csta' | 'ws';
type Step = 'originated' | 'delivered' | 'established' | 'held' | 'retrieved' | 'cleared';

/** What each step makes the server report at the caller's and the callee's line (CSTA) and user (socket). */
const reports: Record<Step, { csta: [string[], string[]]; ws: [string[], string[]] }> = {
  originated: {
    csta: [['ServiceInitiatedEvent', 'OriginatedEvent'], []],
    ws: [['call.originated'], ['call.originated']],
  },
  delivered: { csta: [['DeliveredEvent'], ['DeliveredEvent']], ws: [['call.delivered'], ['call.delivered']] },
  established: { csta: [['EstablishedEvent'], ['EstablishedEvent']], ws: [['call.established'], ['call.established']] },
  held: { csta: [['HeldEvent'], ['HeldEvent']], ws: [['call.held'], ['call.held']] },
  retrieved: { csta: [['RetrievedEvent'], ['RetrievedEvent']], ws: [['call.retrieved'], ['call.retrieved']] },
  cleared: {
    csta: [['ConnectionClearedEvent'], ['ConnectionClearedEvent']],
    ws: [['call.cleared'], ['call.cleared']],
  },
};
const STEPS = Object.keys(reports) as Step[];
const eventStep = new Map<string, Step>(
  STEPS.flatMap((s) => [...reports[s].csta.flat(), ...reports[s].ws.flat()].map((e) => [e, s] as [string, Step])),
);

interface Stats {
  /** Events received per channel (matched or not). */
  received: Record<Channel, number>;
  /** Events no step of the bench waited for, by name (a second clearing, a replica …). */
  unmatched: Map<string, number>;
  /** Latencies (ms) per channel and step. */
  latency: Record<Channel, Map<Step, number[]>>;
  lost: number;
}
const newStats = (): Stats => ({
  received: { csta: 0, ws: 0 },
  unmatched: new Map(),
  latency: { csta: new Map(), ws: new Map() },
  lost: 0,
});
let stats = newStats();
let monitoring = false;
/** line → `channel event` → when the step that should cause it was sent. */
const pending = new Map<string, Map<string, number>>();

function arrived(channel: Channel, line: string | undefined, name: string): void {
  const at = performance.now();
  stats.received[channel]++;
  const waits = line === undefined ? undefined : pending.get(line);
  const sent = waits?.get(`${channel} ${name}`);
  const step = eventStep.get(name);
  if (sent === undefined || step === undefined) {
    stats.unmatched.set(`${channel} ${name}`, (stats.unmatched.get(`${channel} ${name}`) ?? 0) + 1);
    return;
  }
  waits?.delete(`${channel} ${name}`);
  const list = stats.latency[channel].get(step) ?? [];
  list.push(at - sent);
  stats.latency[channel].set(step, list);
}

// --- CSTA application sessions -------------------------------------------------------------------

/** One CSTA connection (header framing): requests by invoke id, events to `arrived`. */
class CstaLink {
  private readonly reader = new FrameReader(65_535);
  private readonly waiting = new Map<string, (xml: string) => void>();
  /** monitorCrossRefID → the monitored line. */
  readonly monitored = new Map<string, string>();
  private nextId = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        const xml = frame.xml.toString('utf8');
        if (frame.invokeId === EVENT_INVOKE_ID) {
          const name = /<([A-Za-z]+Event)[\s>]/.exec(xml)?.[1] ?? 'unknown';
          const ref = /<monitorCrossRefID>([^<]*)</.exec(xml)?.[1] ?? '';
          arrived('csta', this.monitored.get(ref), name);
        } else if (frame.invokeId !== null) {
          this.waiting.get(frame.invokeId)?.(xml);
          this.waiting.delete(frame.invokeId);
        }
      }
    });
  }

  static async open(port: number): Promise<CstaLink> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    return new CstaLink(socket);
  }

  ask(xml: string): Promise<string> {
    let id: string;
    do id = String((this.nextId++ % 8999) + 1).padStart(4, '0');
    while (this.waiting.has(id));
    const answer = new Promise<string>((resolve) => this.waiting.set(id, resolve));
    this.socket.write(renderFrame('header', id, xml));
    return answer;
  }

  async monitor(line: string): Promise<void> {
    const xml = await this.ask(
      `<?xml version="1.0" encoding="UTF-8"?><MonitorStart xmlns="${ED4}"><monitorObject><deviceObject>${line}</deviceObject></monitorObject></MonitorStart>`,
    );
    const ref = /<monitorCrossRefID>([^<]+)</.exec(xml)?.[1];
    if (!ref) throw new Error(`MonitorStart ${line}: ${xml}`);
    this.monitored.set(ref, line);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A CSTA application session of the bench's application account. */
async function session(): Promise<CstaLink> {
  const link = await CstaLink.open(cstaPort);
  opened.push(link);
  const started = await link.ask(
    startSession(`bench@${DOMAIN}`, appSecret, '<requestedSessionDuration>3600</requestedSessionDuration>'),
  );
  if (!started.includes('StartApplicationSessionPosResponse')) throw new Error(`login: ${started}`);
  return link;
}
/** Every CSTA connection the bench opened (closed at the end). */
const opened: CstaLink[] = [];
/** A session of its own for the round-trip probe (a request behind no MonitorStart). */
let probe: CstaLink;

// --- Phones and calls ----------------------------------------------------------------------------

interface Phone {
  phone: SipPhone;
  number: string;
  rtp: number;
}
interface Pair {
  a: Phone;
  b: Phone;
  busy: boolean;
}

/** Sets what `step` of a call from `pair.a` to `pair.b` should cause, as sent now. */
function expect(pair: Pair, step: Step): void {
  const now = performance.now();
  for (const channel of ['csta', 'ws'] as const) {
    if (channel === 'csta' && !monitoring) continue;
    const [caller, callee] = reports[step][channel];
    for (const [line, names] of [
      [pair.a.number, caller],
      [pair.b.number, callee],
    ] as const) {
      const waits = pending.get(line) ?? new Map<string, number>();
      pending.set(line, waits);
      for (const name of names) waits.set(`${channel} ${name}`, now);
    }
  }
}

/** Events the pair's lines still wait for. */
const waiting = (pair: Pair) => (pending.get(pair.a.number)?.size ?? 0) + (pending.get(pair.b.number)?.size ?? 0);

const byNumber = new Map<string, Pair>();
const phones: Phone[] = [];
let closing = false;

async function openPhone(p: Participant, i: number): Promise<Phone> {
  const phone = await SipPhone.open({
    server: { host: sip.host, port: sip.port },
    transport: 'udp',
    aor: p.address,
    username: p.device.username,
    password: p.device.password,
  });
  const rtp = 40_000 + 2 * i;
  // Re-INVITEs and BYEs are answered at once; a new call's INVITE is left to `answering`.
  phone.autoAnswer = (r) => {
    if (r.method === 'ACK') return undefined;
    if (r.method !== 'INVITE') return 200;
    if (!r.to.params.has('tag')) return undefined;
    return { status: 200, sdp: SDP(rtp, r.body.includes('a=sendonly') ? 'recvonly' : 'sendrecv') };
  };
  const registered = await phone.register(3600);
  if (registered.status !== 200) throw new Error(`REGISTER ${p.address}: ${registered.status}`);
  return { phone, number: p.number, rtp };
}

/** The next new call's INVITE to `p` (what was answered by itself meanwhile is dropped). */
function takeInvite(p: Phone): Incoming | undefined {
  const i = p.phone.incoming.findIndex((x) => x.request.method === 'INVITE' && !x.request.to.params.has('tag'));
  const invite = i < 0 ? undefined : p.phone.incoming[i];
  p.phone.incoming.length = 0;
  return invite;
}

/** The callee: rings (180) at once, answers (200) after RING_MS. */
async function answering(p: Phone): Promise<void> {
  const seen = new Set<string>();
  while (!closing) {
    const invite = await p.phone.until(() => takeInvite(p), 'INVITE', 2000).catch(() => undefined);
    if (!invite || seen.has(invite.request.callId)) continue;
    seen.add(invite.request.callId);
    const pair = byNumber.get(p.number) as Pair;
    void (async () => {
      expect(pair, 'delivered');
      invite.reply(180, 'Ringing');
      await sleep(RING_MS);
      expect(pair, 'established');
      invite.reply(200, 'OK', {
        headers: [{ name: 'Content-Type', value: 'application/sdp' }],
        body: SDP(p.rtp),
      });
    })();
  }
}

/** The caller's INVITEs are timed as they are sent: the last one (with credentials) is the one taken. */
function timeInvites(pair: Pair): void {
  const { phone } = pair.a;
  const send = phone.send.bind(phone);
  phone.send = (m) => {
    if (m.kind === 'request' && m.method === 'INVITE' && !m.to.params.has('tag')) expect(pair, 'originated');
    send(m);
  };
}

async function call(pair: Pair): Promise<void> {
  const { a, b } = pair;
  const ok = (what: string, status: number) => {
    if (status !== 200) throw new Error(`${what}: ${status}`);
  };
  const { response, dialog } = await a.phone.invite(`${b.number}@${DOMAIN}`, { sdp: SDP(a.rtp) });
  if (!dialog) throw new Error(`INVITE: ${response.status}`);
  await sleep(TALK_MS);
  expect(pair, 'held');
  ok('hold', (await a.phone.sendInDialog(dialog, 'INVITE', SDP(a.rtp, 'sendonly'))).status);
  await sleep(HOLD_MS);
  expect(pair, 'retrieved');
  ok('retrieve', (await a.phone.sendInDialog(dialog, 'INVITE', SDP(a.rtp))).status);
  await sleep(TALK_MS);
  expect(pair, 'cleared');
  ok('BYE', (await a.phone.sendInDialog(dialog, 'BYE')).status);
}

interface PhaseResult {
  name: string;
  calls: number;
  failed: number;
  skipped: number;
  seconds: number;
  cpu: number;
  benchCpu: number;
  /** Busy CPU seconds of the machine outside the server and the bench. */
  othersCpu: number;
  load: number;
  /** Seconds the server's event loop waited for a core. */
  waited: number;
  /** The bench's own event-loop delay, p99 (ms): what its timestamps may be late by. */
  benchLag: number;
  /** Round trips (ms) of a RequestSystemStatus every 100 ms: the floor under any event's latency. */
  probes: number[];
  rss: number;
  stats: Stats;
}

const LAG_RESOLUTION_MS = 10;

async function phase(name: string, seconds: number): Promise<PhaseResult> {
  stats = newStats();
  const pairs = [...byNumber.values()].filter((p, i, all) => all.indexOf(p) === i);
  let calls = 0;
  let failed = 0;
  let skipped = 0;
  let next = 0;
  const running: Promise<void>[] = [];
  const cpu0 = server.cpuSeconds();
  const bench0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const wait0 = runQueueWaitSeconds(server.pid);
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const probes: number[] = [];
  let probing = true;
  const probed = (async () => {
    while (probing) {
      const sent = performance.now();
      await probe.ask(`<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="${ED4}"/>`);
      probes.push(performance.now() - sent);
      await sleep(100);
    }
  })();
  const start = performance.now();
  await offer(1000 / INTERVAL, seconds, () => {
    // The next free pair after the last one chosen.
    let chosen: Pair | undefined;
    for (let k = 0; k < pairs.length && !chosen; k++) {
      const p = pairs[(next + k) % pairs.length] as Pair;
      if (!p.busy) {
        chosen = p;
        next = (next + k + 1) % pairs.length;
      }
    }
    if (!chosen) {
      skipped++;
      return;
    }
    chosen.busy = true;
    calls++;
    const pair = chosen;
    running.push(
      (async () => {
        try {
          await call(pair);
        } catch (err) {
          failed++;
          progress(`call ${pair.a.number} → ${pair.b.number} failed: ${(err as Error).message}`);
        }
        // Free once what the call should cause has arrived (or after 5 s: lost).
        for (let waited = 0; waiting(pair) > 0 && waited < 5000; waited += 20) await sleep(20);
        stats.lost += waiting(pair);
        pending.delete(pair.a.number);
        pending.delete(pair.b.number);
        pair.busy = false;
      })(),
    );
  });
  await Promise.all(running);
  probing = false;
  await probed;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = server.cpuSeconds() - cpu0;
  const bench = process.cpuUsage(bench0);
  const benchCpu = (bench.user + bench.system) / 1e6;
  lag.disable();
  return {
    name,
    calls,
    failed,
    skipped,
    seconds: elapsed,
    cpu,
    benchCpu,
    othersCpu: machineBusySeconds() - machine0 - cpu - benchCpu,
    load: loadavg()[0] ?? 0,
    waited: runQueueWaitSeconds(server.pid) - wait0,
    // The histogram holds the timer's whole interval: its resolution plus the delay.
    benchLag: lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS,
    probes,
    rss: processRssBytes(server.pid),
    stats,
  };
}

// --- The run -------------------------------------------------------------------------------------

const mib = (bytes: number) => bytes / 2 ** 20;
const lines: string[] = [];
let sockets: Awaited<ReturnType<typeof openEventSockets>> = [];
try {
  t0 = performance.now();
  const tokens = await loginAll(
    server.url,
    participants.map((p) => p.address),
  );
  sockets = await openEventSockets(
    () => server.url,
    tokens,
    16,
    (client, text) => {
      const type = /^\{"type":"(call\.[a-z]+)"/.exec(text)?.[1];
      if (type) arrived('ws', participants[client]?.number, type);
    },
  );
  await pool(participants, 16, async (p, i) => {
    phones[i] = await openPhone(p, i);
  });
  for (let i = 0; i < PAIRS; i++) {
    const pair: Pair = { a: phones[2 * i] as Phone, b: phones[2 * i + 1] as Phone, busy: false };
    byNumber.set(pair.a.number, pair);
    byNumber.set(pair.b.number, pair);
    timeInvites(pair);
  }
  for (const p of phones.filter((_, i) => i % 2 === 1)) void answering(p);
  progress(
    `${tokens.length} users logged in with sockets and phones in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  probe = await session();
  const results: PhaseResult[] = [];
  if (BASELINE_SECONDS > 0) {
    progress(`calls without monitors for ${BASELINE_SECONDS} s`);
    results.push(await phase('without monitors', BASELINE_SECONDS));
  }

  // MonitorStart on MONITORS lines (the phones' first), spread over the sessions.
  const rss0 = processRssBytes(server.pid);
  const cpu0 = server.cpuSeconds();
  t0 = performance.now();
  const links: CstaLink[] = [];
  for (let s = 0; s < SESSIONS; s++) links.push(await session());
  const loginSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const targets = Array.from({ length: MONITORS }, (_, i) => numberOf(i));
  await Promise.all(
    links.map((link, s) =>
      pool(
        targets.filter((_, i) => i % SESSIONS === s),
        WINDOW,
        (line) => link.monitor(line),
      ),
    ),
  );
  const monitorSeconds = (performance.now() - t0) / 1000;
  const monitorCpu = server.cpuSeconds() - cpu0;
  const rss1 = processRssBytes(server.pid);
  progress(`${MONITORS} monitors started in ${monitorSeconds.toFixed(1)} s (server CPU ${monitorCpu.toFixed(1)} s)`);
  monitoring = MONITORS > 0;
  progress(`calls with ${MONITORS} monitors for ${SECONDS} s`);
  results.push(await phase(`with ${MONITORS} monitors`, SECONDS));

  lines.push(
    `CTI benchmark, ${new Date().toISOString().slice(0, 16)}Z: ${LINES} lines, ${MONITORS} monitored over ${SESSIONS} CSTA session(s); a call every ${INTERVAL} ms between ${PAIRS} pairs of UDP phones (ring ${RING_MS} ms, talk ${TALK_MS} ms, hold ${HOLD_MS} ms, talk ${TALK_MS} ms); ${2 * PAIRS} event sockets.`,
    '',
    `MonitorStart × ${MONITORS}: ${monitorSeconds.toFixed(1)} s (${Math.round(MONITORS / monitorSeconds)}/s, ${SESSIONS} session(s), ${WINDOW} in flight each; login ${(loginSeconds * 1000).toFixed(0)} ms), server CPU ${monitorCpu.toFixed(2)} s (${((monitorCpu / Math.max(1, MONITORS)) * 1e6).toFixed(0)} µs per monitor), RSS ${mib(rss0).toFixed(0)} → ${mib(rss1).toFixed(0)} MiB.`,
    '',
    '| phase | calls | failed | skipped | lost | CSTA events/s | socket events/s | server CPU % | CPU µs per call | CPU µs per CSTA event | RSS MiB | bench CPU % | others CPU % | load 1 min | server waited for a core, ms/s | bench loop delay p99 ms | CSTA round trip p50 ms | p99 ms |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of results) {
    const csta = r.stats.received.csta;
    lines.push(
      row([
        r.name,
        r.calls,
        r.failed,
        r.skipped,
        r.stats.lost,
        csta / r.seconds,
        r.stats.received.ws / r.seconds,
        (100 * r.cpu) / r.seconds,
        (r.cpu / Math.max(1, r.calls)) * 1e6,
        csta > 0 ? (r.cpu / csta) * 1e6 : '—',
        mib(r.rss),
        (100 * r.benchCpu) / r.seconds,
        (100 * r.othersCpu) / r.seconds,
        r.load,
        (1000 * r.waited) / r.seconds,
        r.benchLag,
        summarize(r.probes).p50,
        summarize(r.probes).p99,
      ]),
    );
  }
  for (const r of results) {
    lines.push(
      '',
      `${r.name}: latency from the SIP step to the event (ms)`,
      '',
      '| step | CSTA n | CSTA p50 | CSTA p99 | CSTA max | socket n | socket p50 | socket p99 | socket max |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    const cells = (samples: number[]) => {
      const s = summarize(samples);
      return s.n === 0 ? [0, '—', '—', '—'] : [s.n, s.p50, s.p99, s.max];
    };
    for (const step of [...STEPS, 'all'] as const) {
      const of = (channel: Channel) =>
        step === 'all' ? [...r.stats.latency[channel].values()].flat() : (r.stats.latency[channel].get(step) ?? []);
      lines.push(row([step, ...cells(of('csta')), ...cells(of('ws'))]));
    }
    if (r.stats.unmatched.size > 0) {
      lines.push('', `Events no step waited for: ${[...r.stats.unmatched].map(([k, n]) => `${k} ${n}`).join(', ')}.`);
    }
  }
} finally {
  closing = true;
  for (const link of opened) link.close();
  for (const ws of sockets) ws.terminate();
  for (const p of phones) p?.phone.close();
  await server.stop();
  data.remove();
}
process.stdout.write(`${lines.join('\n')}\n`);
