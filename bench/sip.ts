// SIP benchmark: the same sipp scenarios (packages/server/test/interop/sip/) against Kamailio and
// Parley on this machine, one after the other in one run:
//   W5  REGISTER with digest (401, then REGISTER with Authorization, 200) over UDP and over TCP;
//   W6  proxied calls: INVITE (407, digest), 100/180/200, ACK, BYE through the server to a
//       registered sipp UAS;
//   W7  PUBLISH → NOTIFY: publishers refresh their presence (SIP-If-Match) at a fixed rate, each
//       watched by 10 subscribers; latency from the PUBLISH being sent to each NOTIFY arriving.
// Per workload: operations that succeeded/failed, the server's CPU-seconds per operation (its main
// process and all its children, from /proc/PID/stat before and after) and p50/p99 of sipp's
// response times (W5/W6: first request → final 200, the challenge round included; W7: PUBLISH
// sent → NOTIFY received). Markdown to stdout, progress to stderr.
//
//   npm run bench:sip [-- --target kamailio|parley|both --seconds 10 --register-rate 500 --workloads w5,w6 …]
// With BENCH_PROFILE=DIR Parley writes a V8 CPU profile there (summed by bench/profile-top.ts).
// Kamailio is started tuned as its admins would run it for load (see kamailioConfig in
// test/interop/support/sip-peers.ts: 4 UDP and 4 TCP workers, 256 MB shared memory, errors-only
// logging, no DNS, presence and usrloc in memory). Parley runs `parley serve --sip-port N` on a
// seeded data folder, its devices made as `parley device add` makes them.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  freeSipPort,
  runSipp,
  type SipAccount,
  type SippResult,
  type SipTransport,
  spawnSipp,
  startKamailio,
  startSippUas,
  udpBound,
} from '../packages/server/test/interop/support/sip-peers.js';
import { benchEnv, PASSWORD, processCpuSeconds, row, seed, sleep, stopChild, summarize, tempData } from './lib.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'kamailio' },
    seconds: { type: 'string', default: '10' },
    'register-rate': { type: 'string', default: '500' },
    'call-rate': { type: 'string', default: '100' },
    'publish-rate': { type: 'string', default: '200' },
    /** Each publisher refreshes every this many ms; publishers = rate × interval / 1000. */
    'publish-interval': { type: 'string', default: '100' },
    watchers: { type: 'string', default: '10' },
    transports: { type: 'string', default: 'udp,tcp' },
    /** Which workloads to run (e.g. `w6` while profiling one). */
    workloads: { type: 'string', default: 'w5,w6,w7' },
  },
});
const SECONDS = Number(values.seconds);
const REGISTER_RATE = Number(values['register-rate']);
const CALL_RATE = Number(values['call-rate']);
const PUBLISH_RATE = Number(values['publish-rate']);
const PUBLISH_INTERVAL = Number(values['publish-interval']);
const PUBLISHERS = Math.max(1, Math.round((PUBLISH_RATE * PUBLISH_INTERVAL) / 1000));
const WATCHERS = Number(values.watchers);
const TRANSPORTS = String(values.transports).split(',') as SipTransport[];
const WORKLOADS = new Set(String(values.workloads).split(','));
const TARGETS = values.target === 'both' ? ['kamailio', 'parley'] : [String(values.target)];
const REGISTRANTS = 50;
const progress = (text: string) => process.stderr.write(`${text}\n`);

/** Accounts by role: registrants r<n>, caller and callee, publishers p<n>, watchers w<n>. */
const roles = {
  registrants: Array.from({ length: REGISTRANTS }, (_, i) => `r${i}`),
  calls: ['caller', 'callee'],
  publishers: Array.from({ length: PUBLISHERS }, (_, i) => `p${i}`),
  watchers: Array.from({ length: PUBLISHERS * WATCHERS }, (_, i) => `w${i}`),
};
const allUsers = Object.values(roles).flat();

interface SipServer {
  name: string;
  target: string;
  domain: string;
  /** user → account (its SIP username and password). */
  accounts: Map<string, SipAccount>;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** CPU seconds of `pid` and every process descended from it (Kamailio's workers are children). */
function treeCpuSeconds(pid: number): number {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      parent.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && inTree(parent.get(p) ?? 0));
  let sum = 0;
  for (const p of parent.keys()) if (inTree(p)) sum += processCpuSeconds(p);
  return sum;
}

async function kamailio(): Promise<SipServer> {
  const users = allUsers.map((user) => ({ user, password: PASSWORD }));
  const k = await startKamailio({ users, tuned: true });
  return {
    name: 'Kamailio 5.6',
    target: k.target,
    domain: k.domain,
    accounts: new Map(users.map((u) => [u.user, u])),
    cpuSeconds: () => treeCpuSeconds(k.pid),
    stop: () => k.stop(),
  };
}

const bin = fileURLToPath(new URL('../packages/server/bin/parley.js', import.meta.url));

async function parleyServer(): Promise<SipServer> {
  const domain = 'sip.bench.test';
  const data = tempData('parley-bench-sip-');
  const accounts = new Map<string, SipAccount>();
  await seed(data.dir, async (core) => {
    const tenant = await core.tenants.create({ domain });
    for (const local of allUsers) {
      const { user } = await core.users.create(tenant.id, { local, domain, password: PASSWORD });
      // What `parley device add` does, in one process for all of them.
      const { device, password } = await core.devices.create(tenant.id, user.id, { name: 'bench phone' });
      accounts.set(local, { user: local, authUser: device.username, password });
    }
  });
  const port = await freeSipPort();
  const child = spawn(
    process.execPath,
    [
      // BENCH_PROFILE=DIR: a V8 CPU profile of the server, written when it stops (as bench/lib.ts does).
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      bin,
      'serve',
      '--http-port',
      '0',
      '--sip-port',
      String(port),
      '--sip-tls-port',
      '0',
    ],
    {
      env: { ...process.env, ...benchEnv, PARLEY_DATA: data.dir },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 60_000;
  while (!udpBound(port)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`parley serve did not open SIP port ${port}`);
    await sleep(100);
  }
  return {
    name: 'Parley',
    target: `127.0.0.1:${port}`,
    domain,
    accounts,
    cpuSeconds: () => processCpuSeconds(child.pid ?? 0),
    async stop() {
      await stopChild(child);
      data.remove();
    },
  };
}

interface Measured {
  workload: string;
  ok: number;
  failed: number;
  seconds: number;
  cpu: number;
  latencies: number[];
}

const account = (s: SipServer, user: string, peer?: string): SipAccount => {
  const a = s.accounts.get(user);
  if (!a) throw new Error(`no account ${user}`);
  return { ...a, ...(peer !== undefined && { peer: s.accounts.get(peer)?.user ?? peer }) };
};

/** Runs `fn`, adding the server's CPU seconds meanwhile and the elapsed seconds (unless `fn` says). */
async function measure(
  s: SipServer,
  fn: () => Promise<Omit<Measured, 'cpu' | 'seconds'> & { seconds?: number }>,
): Promise<Measured> {
  const cpu0 = s.cpuSeconds();
  const t0 = performance.now();
  const r = await fn();
  return { seconds: (performance.now() - t0) / 1000, ...r, cpu: s.cpuSeconds() - cpu0 };
}

const outcome = (workload: string, r: SippResult) => {
  // sipp's own account of what failed, before its folder goes.
  if (r.failed > 0) progress(`${workload}: ${r.failed} failed; sipp's errors:\n${r.errors.slice(0, 4000)}`);
  return { workload, ok: r.successful, failed: r.failed, latencies: r.responseTimes };
};

async function w5(s: SipServer, transport: SipTransport): Promise<Measured> {
  const accounts = roles.registrants.map((u) => account(s, u));
  return measure(s, async () => {
    const r = await runSipp({
      scenario: 'register.xml',
      target: s.target,
      domain: s.domain,
      transport,
      accounts,
      calls: REGISTER_RATE * SECONDS,
      rate: REGISTER_RATE,
      concurrency: 2000,
      timeoutMs: (SECONDS + 60) * 1000,
    });
    return outcome(`W5 REGISTER ${transport.toUpperCase()}`, r);
  });
}

async function w6(s: SipServer): Promise<Measured> {
  const calls = CALL_RATE * SECONDS;
  const uas = await startSippUas({
    scenario: 'uas-answer.xml',
    target: s.target,
    domain: s.domain,
    account: account(s, 'callee'),
    calls,
    timeoutMs: (SECONDS + 60) * 1000,
  });
  return measure(s, async () => {
    const r = await runSipp({
      scenario: 'uac-call.xml',
      target: s.target,
      domain: s.domain,
      accounts: [account(s, 'caller', 'callee')],
      calls,
      rate: CALL_RATE,
      pauseMs: 0,
      concurrency: 2000,
      timeoutMs: (SECONDS + 60) * 1000,
    });
    await uas.result;
    return outcome('W6 proxied call', r);
  });
}

async function w7(s: SipServer): Promise<Measured> {
  const watchers = roles.watchers.map((w, i) => account(s, w, roles.publishers[Math.floor(i / WATCHERS)]));
  const common = { target: s.target, domain: s.domain, timeoutMs: (SECONDS + 120) * 1000 };
  const watch = await spawnSipp({
    ...common,
    scenario: 'watcher.xml',
    accounts: watchers,
    calls: watchers.length,
    rate: 100,
  });
  const notifies = () =>
    watch
      .log()
      .split('\n')
      .filter((l) => l.startsWith('notify ')).length;
  const deadline = Date.now() + 60_000;
  while (notifies() < watchers.length && Date.now() < deadline) await sleep(100);
  if (notifies() < watchers.length) throw new Error(`only ${notifies()} of ${watchers.length} watchers subscribed`);
  const initial = notifies();
  return measure(s, async () => {
    const publish = await spawnSipp({
      ...common,
      scenario: 'publish-loop.xml',
      accounts: roles.publishers.map((p) => account(s, p)),
      calls: PUBLISHERS,
      rate: PUBLISHERS,
      pauseMs: PUBLISH_INTERVAL,
    });
    await sleep(SECONDS * 1000);
    const published = await publish.stop();
    // Let the last NOTIFYs arrive: until the count has not moved for a second.
    for (let last = -1; last !== notifies(); ) {
      last = notifies();
      await sleep(1000);
    }
    const watched = await watch.stop();
    const latencies = watched.log
      .split('\n')
      .filter((l) => l.startsWith('notify '))
      .slice(initial)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 5)
      .map((f) => (Number(f[3]) - Number(f[4])) * 1000)
      .filter((ms) => Number.isFinite(ms));
    const publishes = published.responseTimes.length;
    return {
      workload: `W7 PUBLISH → NOTIFY ×${WATCHERS}`,
      ok: publishes,
      failed: Math.max(0, publishes * WATCHERS - latencies.length),
      seconds: SECONDS,
      latencies,
    };
  });
}

const lines: string[] = [
  `SIP benchmark, ${new Date().toISOString().slice(0, 16)}Z: ${SECONDS} s per workload; offered REGISTER ${REGISTER_RATE}/s, calls ${CALL_RATE}/s, PUBLISH ${PUBLISHERS}×${1000 / PUBLISH_INTERVAL}/s (${WATCHERS} watchers each).`,
  '',
  '| server | workload | ok | failed | per s | CPU µs per op | p50 ms | p99 ms |',
  '|---|---|---|---|---|---|---|---|',
];
for (const name of TARGETS) {
  progress(`starting ${name}`);
  const server = name === 'parley' ? await parleyServer() : await kamailio();
  try {
    const results: Measured[] = [];
    for (const t of WORKLOADS.has('w5') ? TRANSPORTS : []) {
      progress(`${server.name}: W5 ${t}`);
      results.push(await w5(server, t));
    }
    if (WORKLOADS.has('w6')) {
      progress(`${server.name}: W6`);
      results.push(await w6(server));
    }
    if (WORKLOADS.has('w7')) {
      progress(`${server.name}: W7`);
      results.push(await w7(server));
    }
    for (const r of results) {
      const lat = summarize(r.latencies);
      const perOp = r.ok > 0 ? (r.cpu / r.ok) * 1e6 : Number.NaN;
      lines.push(row([server.name, r.workload, r.ok, r.failed, r.ok / r.seconds, perOp, lat.p50, lat.p99]));
    }
  } finally {
    await server.stop();
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
