// Cluster benchmark: the messaging and presence workloads on one cluster node vs two (PostgreSQL
// for data, NATS as bus, every node a `parley serve` process on this machine), and delivery latency
// between clients on the same node vs on different nodes.
//
// USERS users in tenants of 100, logged in once; for each configuration (1 node, 2 nodes) every
// client opens its event socket at its home node and sends its requests there. Per configuration:
//   1. messages at a moderate fixed rate: send→deliver p50/p99, split by same node / other node;
//   2. presence changes at a moderate fixed rate: change→delivery p50/p99, split likewise;
//   3. messages at stepped rates until a step fails (p99 > 1 s, shed, lost or errors): the highest rate held;
//   4. presence changes at stepped rates until a step fails (p99 > 1 s, lost or errors).
// CPU of the nodes, of PostgreSQL (our database's backends and its writers), of nats-server, of
// this load generator and of the whole machine is read over each step; a step during which other
// processes kept more than 15 % of the machine busy is repeated (at most twice). Both
// configurations run ROUNDS times, alternating which goes first; the tables give medians over the
// rounds. Markdown to stdout, progress to stderr.
//
//   npm run bench:cluster [-- --users 2000 --rounds 3 --seconds 3 --messaging-steps 300,400,… …]
//   BENCH_QUICK=1 npm run bench:cluster        (smoke run: 400 users, 1 round, short steps)
// Needs PostgreSQL (PARLEY_BENCH_PG, default postgres://root@127.0.0.1:5432/postgres; a database
// parley_bench_<random> is created and dropped) and NATS (PARLEY_NATS, default nats://127.0.0.1:4222).
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  commandCpu,
  cpuBetween,
  type Delivery,
  dropNatsState,
  loginAll,
  machineBusySeconds,
  messagingLoad,
  openEventSockets,
  presenceLoad,
  row,
  type ServerProcess,
  seed,
  seedUsers,
  settle,
  sleep,
  startServer,
  summarize,
  tempData,
  tempDatabase,
} from './lib.js';

const QUICK = process.env.BENCH_QUICK === '1';
const { values } = parseArgs({
  options: {
    users: { type: 'string', default: QUICK ? '400' : '2000' },
    rounds: { type: 'string', default: QUICK ? '1' : '3' },
    seconds: { type: 'string', default: QUICK ? '2' : '3' },
    'messaging-steps': { type: 'string', default: QUICK ? '100,200' : '300,400,500,600,700' },
    'presence-steps': { type: 'string', default: QUICK ? '20,40' : '300,400,500,600' },
    'messaging-rate': { type: 'string', default: '100' },
    'presence-rate': { type: 'string', default: '10' },
    'latency-seconds': { type: 'string', default: QUICK ? '3' : '4' },
    inflight: { type: 'string', default: '256' },
  },
});
const USERS = Number(values.users);
const PER_TENANT = 100;
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const MESSAGING_STEPS = String(values['messaging-steps']).split(',').map(Number);
const PRESENCE_STEPS = String(values['presence-steps']).split(',').map(Number);
const MESSAGING_RATE = Number(values['messaging-rate']);
const PRESENCE_RATE = Number(values['presence-rate']);
const LATENCY_SECONDS = Number(values['latency-seconds']);
const IDLE_SECONDS = 2;
/** A step during which other processes used more than this share of the machine is repeated … */
const DISTURBED = 0.15;
/** … at most this many times. */
const MAX_REPEATS = 2;
const MAX_INFLIGHT = Number(values.inflight);
const NATS = process.env.PARLEY_NATS ?? 'nats://127.0.0.1:4222';
if (USERS % (4 * PER_TENANT) !== 0) throw new Error(`--users must be a multiple of ${4 * PER_TENANT}`);

const began = performance.now();
const load0 = loadavg();
const elapsed = () => `${((performance.now() - began) / 1000).toFixed(0)} s`;
const log = (msg: string) => console.error(`[${elapsed()}] ${msg}`);
if ((load0[0] ?? 0) > 1.5) log(`warning: load average ${load0[0]?.toFixed(1)} before the start; figures will be noisy`);

/**
 * A client's node: with two nodes, pairs 0, 2, 4 … (of clients 2i, 2i+1, who message each other)
 * sit together on one node, alternately the first and the second; pairs 1, 3, 5 … are split. So
 * half of all 1:1 traffic stays on a node, a presence change reaches watchers on both, and each
 * node has the same number of clients.
 */
const nodeOf = (client: number, nodes: number) => {
  if (nodes === 1) return 0;
  const pair = client >> 1;
  return pair % 2 === 0 ? (pair >> 1) % 2 : client % 2;
};

interface Cpu {
  nodes: number[];
  postgres: Map<number, number>;
  nats: Map<number, number>;
  client: number;
  machine: number;
  at: number;
}
/** PostgreSQL's share: the backends of our database and the shared writers (not other databases' clients). */
const ours = (cmdline: string) => cmdline.includes(db.name) || /checkpointer|background writer|walwriter/.test(cmdline);
const cpuNow = (servers: ServerProcess[]): Cpu => {
  const self = process.cpuUsage();
  return {
    nodes: servers.map((s) => s.cpuSeconds()),
    postgres: commandCpu('postgres', ours),
    nats: commandCpu('nats-server'),
    client: (self.user + self.system) / 1e6,
    machine: machineBusySeconds(),
    at: performance.now(),
  };
};
/** CPU since `from`, in µs per unit of work (`units` messages or deliveries). */
const cpuPer = (from: Cpu, servers: ServerProcess[], units: number) => {
  const to = cpuNow(servers);
  const per = (seconds: number) => (seconds / Math.max(1, units)) * 1e6;
  const perNode = to.nodes.map((t, i) => per(t - (from.nodes[i] as number)));
  const cpu = {
    nodes: perNode.reduce((a, b) => a + b, 0),
    perNode,
    postgres: per(cpuBetween(from.postgres, to.postgres)),
    nats: per(cpuBetween(from.nats, to.nats)),
    client: per(to.client - from.client),
    machine: per(to.machine - from.machine),
    /** Everything else busy on the machine: the kernel's share of loopback traffic, other users. */
    rest: 0,
    /** The rest as a share of the machine over the span: high when something else ran meanwhile. */
    restShare: 0,
  };
  cpu.rest = cpu.machine - cpu.nodes - cpu.postgres - cpu.nats - cpu.client;
  cpu.restShare = (cpu.rest * Math.max(1, units)) / 1e6 / (((to.at - from.at) / 1000) * cpus().length);
  return { ...cpu, at: to.at };
};
type CpuPer = ReturnType<typeof cpuPer>;

/** Latency percentiles of all deliveries and of those within a node / between nodes. */
const split = (deliveries: Delivery[], nodes: number) => {
  const same = deliveries.filter((d) => nodeOf(d.from, nodes) === nodeOf(d.to, nodes)).map((d) => d.ms);
  const cross = deliveries.filter((d) => nodeOf(d.from, nodes) !== nodeOf(d.to, nodes)).map((d) => d.ms);
  return { all: summarize(deliveries.map((d) => d.ms)), same: summarize(same), cross: summarize(cross) };
};

interface LadderStep {
  rate: number;
  /** Delivered messages/s, or presence deliveries/s. */
  delivered: number;
  p50: number;
  p99: number;
  ok: boolean;
  /** Node CPU per message / delivery, µs. */
  cpu: number;
  /** Machine busy CPU per message / delivery, µs. */
  machine: number;
}
interface ConfigRun {
  round: number;
  nodes: number;
  /** CPU with every client online and no traffic, % of one core. */
  idle: { nodes: number; postgres: number; nats: number };
  messages: { latency: ReturnType<typeof split>; ack: ReturnType<typeof summarize>; cpu: CpuPer; ladder: LadderStep[] };
  presence: { latency: ReturnType<typeof split>; cpu: CpuPer; ladder: LadderStep[] };
  /** Steps repeated because the machine was busy elsewhere. */
  repeated: number;
  /** Steps still disturbed after MAX_REPEATS repeats: the run is left out of the medians. */
  disturbed: number;
}

const db = await tempDatabase();
const data = tempData('parley-bench-cluster-');
const prefix = `bench${randomBytes(4).toString('hex')}`;
const nodeEnv = (id: string) => ({
  PARLEY_DB: db.url,
  PARLEY_NATS: NATS,
  PARLEY_NODE_ID: id,
  PARLEY_CLUSTER_NATS_SUBJECT_PREFIX: prefix,
});
const runs: ConfigRun[] = [];
let servers: ServerProcess[] = [];
let cleaning: Promise<void> | undefined;
/** Stops the nodes, drops the database and the NATS buckets, removes the data folder; once. */
const cleanUp = () => {
  cleaning ??= (async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
    await dropNatsState(NATS, prefix).catch((err: Error) => log(`could not drop the NATS buckets: ${err.message}`));
    data.remove();
  })();
  return cleaning;
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}
try {
  log(`database ${db.url}, NATS subject prefix ${prefix}; seeding ${USERS} users …`);
  let addresses: string[] = [];
  await seed(
    data.dir,
    async (core) => {
      addresses = await seedUsers(core, USERS, PER_TENANT);
    },
    { PARLEY_DB: db.url },
  );
  let tokens: string[] = [];
  let conversations: string[] = [];
  let ready = false;

  const runConfig = async (round: number, nodes: number): Promise<ConfigRun> => {
    for (let i = 0; i < nodes; i++) servers.push(await startServer(data.dir, nodeEnv(`n${i + 1}`)));
    const urls = servers.map((s) => s.url);
    log(`${nodes} node(s): ${urls.join(', ')}`);
    const homes = (client: number) => urls[nodeOf(client, nodes)] as string;
    if (!ready) {
      // Sessions and conversations live in PostgreSQL: made once, valid on every node.
      tokens = await loginAll(urls[0] as string, addresses);
      conversations = await messagingLoad(homes, tokens, addresses, MAX_INFLIGHT).setup();
      ready = true;
      log('logged in, conversations created');
    }
    const messaging = messagingLoad(homes, tokens, addresses, MAX_INFLIGHT);
    await messaging.setup(conversations);
    const presence = presenceLoad(homes, tokens, PER_TENANT);
    let frames = 0;
    const sockets = await openEventSockets(homes, tokens, 64, (client, text) => {
      frames++;
      messaging.onEvent(client, text);
      presence.onEvent(client, text);
    });
    // Every connect is a presence change; let that storm pass before measuring.
    await settle(() => frames, 2);
    log(`${sockets.length} sockets open and quiet`);
    try {
      // The fixed cost: every node, PostgreSQL and NATS with all clients online and no traffic.
      const cpu0 = cpuNow(servers);
      await sleep(IDLE_SECONDS * 1000);
      const idle = cpuPer(cpu0, servers, 1);
      const ofCore = (us: number) => (us / ((idle.at - cpu0.at) * 1000)) * 100;
      const idleShare = { nodes: ofCore(idle.nodes), postgres: ofCore(idle.postgres), nats: ofCore(idle.nats) };
      log(`idle, % of a core: ${JSON.stringify(idleShare)}`);
      /**
       * Runs a step and reads the CPU over it; repeats it (at most MAX_REPEATS times) when other
       * processes kept more than DISTURBED of the machine busy meanwhile (a shared machine).
       */
      const measured = async <T extends { deliveries: Delivery[] }>(what: string, run: () => Promise<T>) => {
        for (let attempt = 0; ; attempt++) {
          const from = cpuNow(servers);
          const result = await run();
          const cpu = cpuPer(from, servers, result.deliveries.length);
          if (cpu.restShare <= DISTURBED) return { result, cpu };
          if (attempt === MAX_REPEATS) {
            disturbed++;
            return { result, cpu };
          }
          repeated++;
          log(`${what}: ${Math.round(cpu.restShare * 100)} % of the machine busy elsewhere; repeating`);
          await settle(() => frames, 1);
        }
      };
      let repeated = 0;
      let disturbed = 0;
      const m = await measured('messages', () => messaging.step(MESSAGING_RATE, LATENCY_SECONDS));
      const messages = {
        latency: split(m.result.deliveries, nodes),
        ack: summarize(m.result.acks),
        cpu: m.cpu,
        ladder: [] as LadderStep[],
      };
      log(`messages at ${MESSAGING_RATE}/s: ${JSON.stringify(messages.latency)}`);
      const p = await measured('presence', () => presence.step(PRESENCE_RATE, LATENCY_SECONDS));
      const presenceRun = { latency: split(p.result.deliveries, nodes), cpu: p.cpu, ladder: [] as LadderStep[] };
      log(`presence at ${PRESENCE_RATE}/s: ${JSON.stringify(presenceRun.latency)}`);

      for (const rate of MESSAGING_STEPS) {
        const { result: step, cpu } = await measured(`messages ${rate}/s`, () => messaging.step(rate, SECONDS));
        const d = summarize(step.deliveries.map((x) => x.ms));
        const ok = d.p99 <= 1000 && step.shed === 0 && step.errors === 0 && d.n >= step.sent;
        messages.ladder.push({ rate, delivered: d.n / step.elapsed, ...d, ok, cpu: cpu.nodes, machine: cpu.machine });
        const busy = `${Math.round(cpu.restShare * 100)} %`;
        log(`messages ${row([rate, step.sent, d.n, d.p50, d.p99, cpu.nodes, step.shed, step.errors, busy])}`);
        if (!ok) break;
      }
      await settle(() => frames, 2);
      for (const rate of PRESENCE_STEPS) {
        const { result: step, cpu } = await measured(`presence ${rate}/s`, () => presence.step(rate, SECONDS));
        const d = summarize(step.deliveries.map((x) => x.ms));
        const ok = d.p99 <= 1000 && d.n >= step.expected && step.errors === 0;
        presenceRun.ladder.push({
          rate,
          delivered: d.n / step.elapsed,
          ...d,
          ok,
          cpu: cpu.nodes,
          machine: cpu.machine,
        });
        const busy = `${Math.round(cpu.restShare * 100)} %`;
        log(`presence ${row([rate, step.expected, d.n, d.p50, d.p99, cpu.nodes, step.errors, busy])}`);
        if (!ok) break;
      }
      return { round, nodes, idle: idleShare, messages, presence: presenceRun, repeated, disturbed };
    } finally {
      for (const ws of sockets) ws.terminate();
      await Promise.all(servers.map((s) => s.stop()));
      servers = [];
    }
  };

  for (let round = 0; round < ROUNDS; round++) {
    for (const nodes of round % 2 === 0 ? [1, 2] : [2, 1]) {
      log(`round ${round + 1}/${ROUNDS}, ${nodes} node(s)`);
      runs.push(await runConfig(round + 1, nodes));
    }
  }
} finally {
  await cleanUp();
}
log('done');

// ---- Report: medians over the rounds ----

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
/** The runs of a configuration, without disturbed ones unless all were. */
const of = (nodes: number) => {
  const all = runs.filter((r) => r.nodes === nodes);
  const clean = all.filter((r) => r.disturbed === 0);
  return clean.length > 0 ? clean : all;
};
const left = runs.filter((r) => r.disturbed > 0 && of(r.nodes).includes(r) === false);
const med = (nodes: number, pick: (r: ConfigRun) => number) => median(of(nodes).map(pick));
const fmt = (x: number) =>
  Number.isNaN(x) ? '—' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
const ratio = (a: number, b: number) =>
  Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;
const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
/** The highest step rate held; 0 if the first failed. */
const held = (ladder: LadderStep[]) => ladder.filter((s) => s.ok).at(-1)?.rate ?? 0;
const compare = (label: string, pick: (r: ConfigRun) => number) => {
  const one = med(1, pick);
  const two = med(2, pick);
  return line([label, fmt(one), fmt(two), ratio(two, one)]);
};
const load = loadavg();

console.log(
  `Cluster benchmark: ${USERS} users in tenants of ${PER_TENANT}, ${ROUNDS} round(s) of each configuration, ` +
    `steps of ${SECONDS} s (${LATENCY_SECONDS} s at the moderate rates); medians over the rounds. ` +
    `Run took ${elapsed()}; load average ${load0.map((x) => x.toFixed(1)).join(' ')} before, ` +
    `${load.map((x) => x.toFixed(1)).join(' ')} after.` +
    (left.length > 0
      ? ` Left out of the medians (still disturbed after ${MAX_REPEATS} repeats): ` +
        `${left.map((r) => `round ${r.round} with ${r.nodes} node(s)`).join(', ')}.`
      : '') +
    '\n',
);

console.log('### Throughput: 1 node vs 2 nodes (highest step held)\n');
console.log(line(['', '1 node', '2 nodes', '2 / 1']));
console.log('|---|---|---|---|');
console.log(compare('messages/s', (r) => held(r.messages.ladder)));
console.log(compare('presence changes/s', (r) => held(r.presence.ladder)));
console.log(compare('presence deliveries/s', (r) => r.presence.ladder.filter((s) => s.ok).at(-1)?.delivered ?? 0));

for (const [name, ladder, steps] of [
  ['Messages', (r: ConfigRun) => r.messages.ladder, MESSAGING_STEPS],
  ['Presence changes', (r: ConfigRun) => r.presence.ladder, PRESENCE_STEPS],
] as const) {
  const unit = name === 'Messages' ? 'message' : 'delivery';
  console.log(`\n### ${name} at stepped rates\n`);
  console.log(
    line([
      'rate/s',
      '1 node p50 / p99 ms',
      '2 nodes p50 / p99 ms',
      `1 node: node / machine CPU µs per ${unit}`,
      `2 nodes: nodes / machine CPU µs per ${unit}`,
    ]),
  );
  console.log('|---|---|---|---|---|');
  for (const rate of steps) {
    const cells = [1, 2].map((n) => {
      const got = of(n).flatMap((r) => ladder(r).filter((s) => s.rate === rate));
      if (got.length === 0) return ['—', '—'];
      const failed = got.filter((s) => !s.ok).length;
      const notes = [
        ...(got.length < of(n).length ? [`reached in ${got.length} of ${of(n).length} rounds`] : []),
        ...(failed > 0 ? [`failed in ${failed}`] : []),
      ];
      const mark = notes.length > 0 ? ` (${notes.join(', ')})` : '';
      return [
        `${fmt(median(got.map((s) => s.p50)))} / ${fmt(median(got.map((s) => s.p99)))}${mark}`,
        `${fmt(median(got.map((s) => s.cpu)))} / ${fmt(median(got.map((s) => s.machine)))}`,
      ];
    });
    if (cells.every((c) => c[0] === '—')) continue;
    console.log(
      line([String(rate), cells[0]?.[0] ?? '', cells[1]?.[0] ?? '', cells[0]?.[1] ?? '', cells[1]?.[1] ?? '']),
    );
  }
}

console.log(
  `\n### Same node vs other node at a moderate rate (${MESSAGING_RATE} messages/s, ${PRESENCE_RATE} presence changes/s)\n`,
);
console.log(line(['', '1 node', '2 nodes, same node', '2 nodes, other node', 'other / same']));
console.log('|---|---|---|---|---|');
for (const [label, latency, p] of [
  ['message deliver p50 ms', (r: ConfigRun) => r.messages.latency, 'p50'],
  ['message deliver p99 ms', (r: ConfigRun) => r.messages.latency, 'p99'],
  ['presence deliver p50 ms', (r: ConfigRun) => r.presence.latency, 'p50'],
  ['presence deliver p99 ms', (r: ConfigRun) => r.presence.latency, 'p99'],
] as const) {
  const get = (nodes: number, part: 'all' | 'same' | 'cross') => med(nodes, (r) => latency(r)[part][p]);
  const same = get(2, 'same');
  const cross = get(2, 'cross');
  console.log(line([label, fmt(get(1, 'all')), fmt(same), fmt(cross), ratio(cross, same)]));
}

console.log('\n### 1 node vs 2 nodes at the moderate rate: latency and where the CPU goes\n');
console.log(line(['', '1 node', '2 nodes', '2 / 1']));
console.log('|---|---|---|---|');
console.log(compare('message ack p50 ms', (r) => r.messages.ack.p50));
console.log(compare('message ack p99 ms', (r) => r.messages.ack.p99));
console.log(compare('message deliver p50 ms', (r) => r.messages.latency.all.p50));
console.log(compare('message deliver p99 ms', (r) => r.messages.latency.all.p99));
console.log(compare('presence deliver p50 ms', (r) => r.presence.latency.all.p50));
console.log(compare('presence deliver p99 ms', (r) => r.presence.latency.all.p99));
console.log(compare('idle CPU, % of a core: Parley nodes', (r) => r.idle.nodes));
console.log(compare('idle CPU, % of a core: PostgreSQL', (r) => r.idle.postgres));
console.log(compare('idle CPU, % of a core: nats-server', (r) => r.idle.nats));
for (const [unit, cpuOf] of [
  ['message', (r: ConfigRun) => r.messages.cpu],
  ['presence delivery', (r: ConfigRun) => r.presence.cpu],
] as const) {
  const perNode = (nodes: number) =>
    Array.from({ length: nodes }, (_, i) => fmt(med(nodes, (r) => cpuOf(r).perNode[i] ?? Number.NaN))).join(' + ');
  console.log(compare(`CPU µs per ${unit}: Parley nodes`, (r) => cpuOf(r).nodes));
  console.log(line([`CPU µs per ${unit}: each node`, perNode(1), perNode(2), '']));
  console.log(compare(`CPU µs per ${unit}: PostgreSQL`, (r) => cpuOf(r).postgres));
  console.log(compare(`CPU µs per ${unit}: nats-server`, (r) => cpuOf(r).nats));
  console.log(compare(`CPU µs per ${unit}: load generator`, (r) => cpuOf(r).client));
  console.log(compare(`CPU µs per ${unit}: rest of the machine (kernel, other processes)`, (r) => cpuOf(r).rest));
  console.log(compare(`CPU µs per ${unit}: whole machine`, (r) => cpuOf(r).machine));
}

console.log('\n#### Per round\n');
console.log(
  line([
    'round',
    'nodes',
    'msg/s held',
    'changes/s held',
    'msg p50 / p99 same node',
    'msg p50 / p99 other node',
    'presence p50 / p99 same node',
    'presence p50 / p99 other node',
    'steps repeated / still disturbed',
  ]),
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of runs) {
  const pp = (s: { p50: number; p99: number }) => `${fmt(s.p50)} / ${fmt(s.p99)}`;
  console.log(
    line([
      String(r.round),
      String(r.nodes),
      String(held(r.messages.ladder)),
      String(held(r.presence.ladder)),
      pp(r.messages.latency.same),
      pp(r.messages.latency.cross),
      pp(r.presence.latency.same),
      pp(r.presence.latency.cross),
      `${r.repeated} / ${r.disturbed}`,
    ]),
  );
}
