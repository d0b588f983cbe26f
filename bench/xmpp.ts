// XMPP benchmark: Prosody, ejabberd and Parley one after the other in one
// run, each in the run's network namespace (test/interop/support/xmpp-peers.ts), pinned to CPU 0
// with taskset, the load generator (bench/xmpp-load.ts, raw TLS sockets) pinned to CPU 1:
//   W4  memory per idle session: the marginal cost, the slope of the server's RSS between half
//       the accounts and all of them logged in with their initial presence sent — each RSS taken
//       once the server is idle and its RSS has settled (within 1 MB over 10 s, at most 120 s) —
//       so what a login storm grows once (V8's young generation, allocator arenas) is not counted
//       per session when that growth is over by the half (it swings run to run: docs/benchmarks.md,
//       "Fourth pass"); and the old figure, RSS before the first login to after the last one divided
//       by the sessions (this also logs every account in once, which fills the generator's SCRAM
//       cache and warms the server);
//   W2  1:1 messages with ACCOUNTS online: client i sends to client i+1's full JID at stepped
//       rates; latency from the send to the receipt;
//   W3  presence fan-out: GROUPS shared roster groups of 101 (a roster of 100 each, `both`; in
//       Parley a tenant each, whose colleagues are its shared roster), all online; members flip
//       their `<show/>` (dnd ↔ away) at stepped rates; latency from the send to each of the 100
//       contacts receiving the publisher's presence;
//   W1  login storm: ACCOUNTS logins (TCP, STARTTLS, SCRAM-SHA-1, bind) at most CONCURRENCY at
//       once; logins/s and their latency; all sessions closed after each round.
// Per workload and target: medians over ROUNDS rounds of the rate, p50/p99 latency (ms) and the
// server's CPU time per operation (/proc/PID/stat of Prosody's lua / ejabberd's beam.smp). Markdown
// to stdout, progress to stderr. Needs root (namespaces) and the peers (scripts/setup-interop.sh).
//
//   npm run bench:xmpp -- [--target prosody,ejabberd,parley] [--accounts 10000] [--concurrency 100]
//     [--rounds 3] [--seconds 5] [--w2-rates 1000,2000,4000] [--groups all|N] [--w3-rates 4,16,64]
//     [--workloads w1,w2,w3,w4] [--profile DIR (Parley's CPU profile, for what limits it)]
//     [--heap-snapshots DIR (Parley's V8 heap at both W4 points, for what a session holds)]
//     [--parley-checkout DIR (another checkout's Parley, for A/B by turns)]
//
// Both peers run as their admins would for load (xmpp-peers.ts `tuned`): Prosody 0.12 with the
// epoll backend, errors-only logging, internal_hashed accounts (SCRAM keys stored, no PBKDF2 per
// login); ejabberd 23.01 with shaper none on c2s, errors-only logging, SCRAM-stored passwords,
// ERL_MAX_PORTS 65536 and 1,000,000 Erlang processes. Parley with its defaults but for the
// connections one address may hold (the generator is one address). All with SCRAM-SHA-1 at 4096
// iterations.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createXmppNet,
  SCRAM_ITERATIONS,
  startXmppPeer,
  tcpOpen,
  type XmppNet,
  type XmppUser,
} from '../packages/server/test/interop/support/xmpp-peers.js';
import {
  benchEnv,
  PASSWORD,
  pool,
  processCpuSeconds,
  processRssBytes,
  row,
  seed,
  sleep,
  summarize,
  tempData,
} from './lib.js';
import { login, type Session, traffic } from './xmpp-load.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'prosody,ejabberd,parley' },
    accounts: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'w2-rates': { type: 'string', default: '1000,2000,4000' },
    groups: { type: 'string', default: 'all' },
    'w3-rates': { type: 'string', default: '4,16,64' },
    workloads: { type: 'string', default: 'w1,w2,w3,w4' },
    /** A folder for Parley's CPU profile (node --cpu-prof), written when it stops. */
    profile: { type: 'string' },
    /** A folder for Parley's heap snapshots (node --heapsnapshot-signal), one at each W4 point. */
    'heap-snapshots': { type: 'string' },
    /** Another checkout whose Parley to run (A/B against this one; its schema must be this one's). */
    'parley-checkout': { type: 'string' },
  },
});
const TARGETS = String(values.target).split(',');
const ACCOUNTS = Number(values.accounts);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const W2_RATES = String(values['w2-rates']).split(',').map(Number);
const W3_RATES = String(values['w3-rates']).split(',').map(Number);
const ROSTER = 100;
const ALL_GROUPS = Math.floor(ACCOUNTS / (ROSTER + 1));
const GROUPS = values.groups === 'all' ? ALL_GROUPS : Math.min(Number(values.groups), ALL_GROUPS);
const WORKLOADS = new Set(String(values.workloads).split(','));
const SNAPSHOTS = values['heap-snapshots'];
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const progress = (text: string) => process.stderr.write(`${text}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

/** The generator on its own core (all its threads: TLS and PBKDF2 run on the main one anyway). */
execFileSync('taskset', ['-a', '-p', '-c', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' });

const users: XmppUser[] = Array.from({ length: ACCOUNTS }, (_, i) => ({ user: `u${i}`, password: PASSWORD }));
const groups = Array.from({ length: GROUPS }, (_, g) =>
  Array.from({ length: ROSTER + 1 }, (_, i) => `u${g * (ROSTER + 1) + i}`),
);

interface Target {
  name: string;
  /** The domain of account `u<i>`. */
  domainOf(i: number): string;
  address: string;
  pid(): number;
  stop(): Promise<void>;
}

const bin = values['parley-checkout']
  ? join(values['parley-checkout'], 'packages/server/bin/parley.js')
  : fileURLToPath(new URL('../packages/server/bin/parley.js', import.meta.url));

async function startTarget(net: XmppNet, kind: string): Promise<Target> {
  if (kind === 'prosody' || kind === 'ejabberd') {
    const domain = kind === 'prosody' ? 'a.test' : 'b.test';
    const t0 = performance.now();
    const peer = await startXmppPeer(net, kind, { domain, users, groups, tuned: true, cpu: SERVER_CPU });
    progress(`${peer.name} up with ${ACCOUNTS} accounts in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return { name: peer.name, domainOf: () => domain, address: peer.address, pid: peer.pid, stop: peer.stop };
  }
  if (kind === 'parley') return startParley(net);
  throw new Error(`unknown target ${kind} (prosody, ejabberd, parley)`);
}

/** Parley's tenant of account `u<i>`: one per roster group (its colleagues), the rest in parley.test. */
const parleyDomain = (i: number) => {
  const g = Math.floor(i / (ROSTER + 1));
  return g < GROUPS ? `g${g}.parley.test` : 'parley.test';
};

/**
 * Parley (`parley serve --xmpp-port 5222`) inside the namespace at parley.test's address. A
 * shared roster in Parley is a tenant's colleagues, so each group of 101 is a tenant
 * `g<n>.parley.test` (the run's certificate for parley.test names `*.parley.test` too, and is the
 * one every name gets).
 */
async function startParley(net: XmppNet): Promise<Target> {
  const data = tempData('parley-bench-xmpp-');
  const env = { PARLEY_AUTH_SCRAM_ITERATIONS: String(SCRAM_ITERATIONS) }; // as the peers' accounts
  const t0 = performance.now();
  await seed(
    data.dir,
    async (core) => {
      const tenants = new Map<string, string>();
      for (let i = 0; i < ACCOUNTS; i++) {
        const domain = parleyDomain(i);
        if (!tenants.has(domain)) tenants.set(domain, (await core.tenants.create({ domain })).id);
      }
      await pool(users, 8, async (u, i) => {
        const domain = parleyDomain(i);
        await core.users.create(tenants.get(domain) as string, { local: u.user, domain, password: u.password });
      });
    },
    env,
  );
  const cert = net.certificate('parley.test');
  const config = join(data.dir, 'parley.yaml');
  writeFileSync(
    config,
    [
      'xmpp:',
      '  c2s: { host: 0.0.0.0 }',
      '  # The load generator is one address holding every session.',
      `  limits: { connectionsPerAddress: ${ACCOUNTS + CONCURRENCY} }`,
      `  certificates: [{ domain: parley.test, cert: ${cert.certFile}, key: ${cert.keyFile} }]`,
      '',
    ].join('\n'),
  );
  const address = net.address('parley.test');
  const [cmd, args] = net.command(
    process.execPath,
    [
      ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
      ...(SNAPSHOTS ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOTS}`] : []),
      bin,
      ...['serve', '--config', config, '--http-port', '0', '--xmpp-port', '5222'],
    ],
    SERVER_CPU,
  );
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...benchEnv, ...env, PARLEY_DATA: data.dir, PARLEY_LOG_LEVEL: 'error' },
  });
  for (let i = 0; i < 600 && !(await tcpOpen(address, 5222)); i++) await sleep(100);
  progress(`Parley up with ${ACCOUNTS} accounts in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return {
    name: 'Parley',
    domainOf: parleyDomain,
    address,
    // `ip netns exec` execs taskset, which execs node: the child's pid is the server's.
    pid: () => child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      data.remove();
    },
  };
}

/** CPU seconds `pid` has used plus the seconds its threads waited, runnable, for a core. */
function busySeconds(pid: number): number {
  let wait = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    throw new Error(`the server (pid ${pid}) is gone`);
  }
  for (const task of tasks) {
    try {
      wait += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
    } catch {
      // gone meanwhile
    }
  }
  return processCpuSeconds(pid) + wait;
}

/**
 * Waits until the server is idle — running or runnable under 5 % of half a second — and the
 * generator has received nothing in that half second (at most 60 s).
 * CPU time alone would call a server starved by the machine's other processes idle.
 */
async function quiet(pid: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const b0 = busySeconds(pid);
    const r0 = traffic.received;
    await sleep(500);
    // Idle, and nothing left for the generator to read: a generator still reading what came
    // before (the initial presences: 100 per account) would read a step's stanzas late.
    if (busySeconds(pid) - b0 < 0.025 && traffic.received === r0) return;
  }
  progress('not quiet after 60 s (the server busy, or stanzas still arriving): measuring anyway');
}

/**
 * The server's RSS once it has settled: idle, then ten samples a second apart within 1 MB of each
 * other (at most 120 s; V8 and the Erlang VM shrink or grow their heaps a while after a burst).
 */
async function settledRss(pid: number): Promise<number> {
  await quiet(pid);
  const samples: number[] = [];
  for (let i = 0; i < 120; i++) {
    samples.push(processRssBytes(pid));
    const last = samples.slice(-10);
    if (last.length === 10 && Math.max(...last) - Math.min(...last) < 2 ** 20) break;
    await sleep(1000);
  }
  return samples[samples.length - 1] as number;
}

/** A W4 point: the sessions online and the settled RSS; with --heap-snapshots, Parley's heap too. */
async function w4Point(t: Target, logins: Logins): Promise<{ sessions: number; rss: number }> {
  const sessions = logins.sessions.filter(Boolean).length;
  const rss = await settledRss(t.pid());
  progress(`${t.name}: ${sessions} sessions, RSS ${(rss / 2 ** 20).toFixed(1)} MB`);
  if (SNAPSHOTS && t.name === 'Parley') {
    const files = () => readdirSync(SNAPSHOTS).filter((f) => f.endsWith('.heapsnapshot'));
    const before = files().length;
    process.kill(t.pid(), 'SIGUSR2');
    // Written by the server's main thread, which answers nothing meanwhile: the logins wait until
    // the file has stopped growing (it appears empty, and takes minutes on a busy machine).
    const size = () => files().reduce((sum, f) => sum + statSync(join(SNAPSHOTS, f)).size, 0);
    for (let i = 0, last = -1; i < 600; i++, await sleep(1000)) {
      const now = size();
      if (files().length > before && now === last) break;
      last = now;
    }
    await quiet(t.pid());
  }
  return { sessions, rss };
}

interface Logins {
  sessions: Session[];
  latencies: number[];
  seconds: number;
  failures: number;
  firstError?: string;
}

async function logInAll(t: Target, indexes: number[], presence: boolean, ca: string, cache: Map<string, Buffer>) {
  const result: Logins = { sessions: [], latencies: [], seconds: 0, failures: 0 };
  const t0 = performance.now();
  await pool(indexes, CONCURRENCY, async (i) => {
    try {
      const s = await login({
        host: t.address,
        port: 5222,
        domain: t.domainOf(i),
        user: `u${i}`,
        password: PASSWORD,
        ca,
        resource: 'bench',
        mechanism: 'SCRAM-SHA-1',
        saltedCache: cache,
        presence,
      });
      result.sessions[i] = s;
      result.latencies.push(s.loginMs);
    } catch (err) {
      result.failures++;
      result.firstError ??= (err as Error).message;
    }
  });
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

const closeAll = (sessions: Session[]) => {
  for (const s of sessions) s?.close();
};

interface Step {
  rate: number;
  sent: number;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  cpuUsPerOp: number;
}

/** Offers `fire` at `rate`/s for SECONDS, then waits up to 5 s for deliveries to complete. */
async function runStep(
  pid: number,
  rate: number,
  fire: () => number,
  latencies: number[],
  delivered: () => number,
): Promise<Step> {
  await quiet(pid);
  const cpu0 = processCpuSeconds(pid);
  latencies.length = 0;
  const d0 = delivered();
  let sent = 0;
  let expected = 0;
  const start = performance.now();
  for (let now = start; now - start < SECONDS * 1000; now = performance.now()) {
    const due = Math.floor((rate * (now - start)) / 1000);
    for (; sent < due; sent++) expected += fire();
    await sleep(5);
  }
  for (let i = 0; i < 50 && delivered() - d0 < expected; i++) await sleep(100);
  const cpu = processCpuSeconds(pid) - cpu0;
  const s = summarize(latencies);
  const got = delivered() - d0;
  return { rate, sent, delivered: got, expected, p50: s.p50, p99: s.p99, cpuUsPerOp: (cpu / Math.max(1, got)) * 1e6 };
}

const results = { w1: [] as string[], w2: [] as string[], w3: [] as string[], w4: [] as string[] };

async function benchTarget(net: XmppNet, kind: string): Promise<void> {
  const t = await startTarget(net, kind);
  const ca = readFileSync(net.caFile, 'utf8');
  const cache = new Map<string, Buffer>();
  const all = users.map((_, i) => i);
  try {
    await quiet(t.pid());
    // W4 (and the warm-up every workload needs): everyone online, presence sent, in two halves.
    const rss0 = await settledRss(t.pid());
    const half = all.slice(0, Math.floor(ACCOUNTS / 2));
    const first = await logInAll(t, half, true, ca, cache);
    const at1 = await w4Point(t, first);
    const online = await logInAll(t, all.slice(half.length), true, ca, cache);
    first.sessions.forEach((session, i) => {
      online.sessions[i] = session;
    });
    online.failures += first.failures;
    online.seconds += first.seconds;
    online.firstError ??= first.firstError;
    const n = online.sessions.filter(Boolean).length;
    progress(
      `${t.name}: ${n} online in ${online.seconds.toFixed(1)} s, ${online.failures} failed${online.firstError ? ` (${online.firstError})` : ''}`,
    );
    // Like with like: the iteration counts the server's SCRAM challenges named (the cache's keys are `salt,i`).
    progress(`${t.name}: SCRAM iterations ${[...new Set([...cache.keys()].map((k) => k.split(',')[1]))].join(', ')}`);
    progress(`${t.name}: TLS ${[...new Set(online.sessions.filter(Boolean).map((s) => s.tls))].join('; ')}`);
    const at2 = await w4Point(t, online);
    if (WORKLOADS.has('w4')) {
      const kb = (bytes: number) => Math.round(bytes / 1024);
      results.w4.push(
        row([
          t.name,
          `${at1.sessions} → ${at2.sessions}`,
          Math.round(rss0 / 2 ** 20),
          Math.round(at1.rss / 2 ** 20),
          Math.round(at2.rss / 2 ** 20),
          kb((at2.rss - at1.rss) / Math.max(1, at2.sessions - at1.sessions)),
          kb((at2.rss - rss0) / Math.max(1, at2.sessions)),
        ]),
      );
    }
    const sessions = online.sessions;

    if (WORKLOADS.has('w2')) {
      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      let delivered = 0;
      let seq = 0;
      for (const s of sessions) {
        s?.scan(/<body>k(\d+)<\/body>/g, (m) => {
          const at = sentAt.get(Number(m[1]));
          if (at === undefined) return;
          sentAt.delete(Number(m[1]));
          latencies.push(performance.now() - at);
          delivered++;
        });
      }
      const fire = () => {
        const from = seq % ACCOUNTS;
        const to = (from + 1) % ACCOUNTS;
        const n = seq++;
        sentAt.set(n, performance.now());
        sessions[from]?.send(
          `<message to='u${to}@${t.domainOf(to)}/bench' type='chat' id='m${n}'><body>k${n}</body></message>`,
        );
        return 1;
      };
      // Unmeasured: one message from every account first. A server loads per-user state on the
      // first message (Prosody: the MAM preferences and archive count), a cold start to keep out.
      await runStep(t.pid(), ACCOUNTS / SECONDS, fire, latencies, () => delivered);
      sentAt.clear();
      for (const rate of W2_RATES) {
        const rounds: Step[] = [];
        for (let r = 0; r < ROUNDS; r++) rounds.push(await runStep(t.pid(), rate, fire, latencies, () => delivered));
        const m = medianStep(rounds);
        results.w2.push(row([t.name, rate, m.delivered, m.expected, m.p50, m.p99, m.cpuUsPerOp]));
        progress(`W2 ${results.w2.at(-1)}`);
        sentAt.clear();
      }
    }

    if (WORKLOADS.has('w3') && GROUPS > 0) {
      // A change is known by its publisher: the contacts see the publisher's presence (Prosody and
      // ejabberd forward the full JID's, Parley sends the computed presence from the bare JID; the
      // status texts differ). Each publisher flips between dnd and away, so every send is a change,
      // and comes round again only after every other member (far longer than a fan-out takes).
      const pending = new Map<number, { at: number; seen: Set<number> }>();
      const flipped = new Set<number>();
      const latencies: number[] = [];
      let delivered = 0;
      let seq = 0;
      const members = groups.flat().map((u) => Number(u.slice(1)));
      for (const i of members) {
        sessions[i]?.scan(/<presence\b[^>]*?\bfrom=['"]u(\d+)@/g, (m) => {
          const change = pending.get(Number(m[1]));
          if (!change || Number(m[1]) === i || change.seen.has(i)) return; // not the publisher's own echo, once per contact
          change.seen.add(i);
          latencies.push(performance.now() - change.at);
          delivered++;
        });
      }
      const fire = () => {
        // Round-robin over the members.
        const publisher = members[(seq++ * 37) % members.length] as number;
        const show = flipped.has(publisher) ? 'away' : 'dnd';
        if (show === 'dnd') flipped.add(publisher);
        else flipped.delete(publisher);
        pending.set(publisher, { at: performance.now(), seen: new Set() });
        sessions[publisher]?.send(`<presence><show>${show}</show></presence>`);
        return ROSTER;
      };
      for (const rate of W3_RATES) {
        const rounds: Step[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          rounds.push(await runStep(t.pid(), rate, fire, latencies, () => delivered));
          pending.clear();
        }
        const m = medianStep(rounds);
        results.w3.push(row([t.name, rate, rate * ROSTER, m.delivered, m.expected, m.p50, m.p99, m.cpuUsPerOp]));
        progress(`W3 ${results.w3.at(-1)}`);
      }
    }
    closeAll(sessions);
    await quiet(t.pid());

    if (WORKLOADS.has('w1')) {
      const rounds: {
        rate: number;
        p50: number;
        p99: number;
        cpuMsPerLogin: number;
        loadMsPerLogin: number;
        failures: number;
      }[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const cpu0 = processCpuSeconds(t.pid());
        const load0 = process.cpuUsage();
        const storm = await logInAll(t, all, false, ca, cache);
        const cpu = processCpuSeconds(t.pid()) - cpu0;
        const load = process.cpuUsage(load0);
        const ok = storm.latencies.length;
        const s = summarize(storm.latencies);
        rounds.push({
          rate: ok / storm.seconds,
          p50: s.p50,
          p99: s.p99,
          cpuMsPerLogin: (cpu / Math.max(1, ok)) * 1000,
          loadMsPerLogin: (load.user + load.system) / 1000 / Math.max(1, ok),
          failures: storm.failures,
        });
        progress(
          `W1 ${t.name} round ${r + 1}: ${(ok / storm.seconds).toFixed(0)} logins/s, p99 ${s.p99.toFixed(0)} ms, ${storm.failures} failed${storm.firstError ? ` (${storm.firstError})` : ''}`,
        );
        closeAll(storm.sessions);
        await quiet(t.pid());
      }
      results.w1.push(
        row([
          t.name,
          ACCOUNTS,
          CONCURRENCY,
          median(rounds.map((x) => x.rate)),
          median(rounds.map((x) => x.p50)),
          median(rounds.map((x) => x.p99)),
          median(rounds.map((x) => x.cpuMsPerLogin)),
          median(rounds.map((x) => x.loadMsPerLogin)),
          rounds.reduce((a, x) => a + x.failures, 0),
        ]),
      );
    }
  } finally {
    await t.stop();
  }
}

/** The round with the median p99, its delivery counts and CPU. */
function medianStep(rounds: Step[]): Step {
  const sorted = [...rounds].sort((a, b) => a.p99 - b.p99);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Step;
}

const net = await createXmppNet({ domains: ['a.test', 'b.test', 'parley.test'] });
try {
  for (const kind of TARGETS) await benchTarget(net, kind);
} finally {
  net.close();
}

const rounds = `median of ${ROUNDS} rounds`;
if (results.w1.length) {
  console.log(`\n**W1 login storm** (TCP + STARTTLS + SCRAM-SHA-1 + bind; ${rounds})\n`);
  console.log(
    '| server | accounts | concurrency | logins/s | p50 ms | p99 ms | server CPU ms/login | generator CPU ms/login | failed |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const line of results.w1) console.log(line);
}
if (results.w2.length) {
  console.log(`\n**W2 1:1 messages**, ${ACCOUNTS} online (${SECONDS} s per step; the ${rounds} by p99)\n`);
  console.log('| server | messages/s offered | delivered | sent | p50 ms | p99 ms | server CPU µs/message |');
  console.log('|---|---|---|---|---|---|---|');
  for (const line of results.w2) console.log(line);
}
if (results.w3.length) {
  console.log(
    `\n**W3 presence fan-out**, ${GROUPS} groups of ${ROSTER + 1} (rosters of ${ROSTER}), ${ACCOUNTS} online (${SECONDS} s per step; the ${rounds} by p99)\n`,
  );
  console.log(
    '| server | changes/s | deliveries/s offered | delivered | expected | p50 ms | p99 ms | server CPU µs/delivery |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const line of results.w3) console.log(line);
}
if (results.w4.length) {
  console.log(
    '\n**W4 memory per idle session** (settled RSS before the logins, with half the accounts and with all of them online, presence sent; KB per session as the slope between the two halves, and as before: first to last over all sessions)\n',
  );
  console.log(
    '| server | sessions | RSS before MB | RSS half MB | RSS all MB | KB/session (slope) | KB/session (all/N) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const line of results.w4) console.log(line);
}
