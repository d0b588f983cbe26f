// Presence fan-out benchmark: USERS users in tenants of ROSTER (each user's roster is their
// tenant directory), all online over the event WebSocket; status changes at stepped rates.
// Reports change→delivery latency (p50/p99), deliveries/s and server CPU per delivered update.
//   node --import tsx bench/presence.ts [--users 10000] [--roster 100] [--steps 5,10,20,40,80] [--seconds 8]
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { login, pool, row, seed, sleep, startServer, summarize, tempData } from './lib.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    roster: { type: 'string', default: '100' },
    steps: { type: 'string', default: '5,10,20,40,80' },
    seconds: { type: 'string', default: '8' },
  },
});
const USERS = Number(values.users);
const ROSTER = Number(values.roster);
const STEPS = String(values.steps).split(',').map(Number);
const SECONDS = Number(values.seconds);
const PASSWORD = 'bench-password';

const data = tempData('parley-bench-presence-');
const addresses: string[] = [];
let t0 = performance.now();
await seed(data.dir, async (core) => {
  for (let t = 0; t < USERS / ROSTER; t++) {
    const domain = `t${t}.bench.test`;
    const tenant = await core.tenants.create({ domain });
    for (let u = 0; u < ROSTER; u++) {
      await core.users.create(tenant.id, { local: `u${u}`, domain, password: PASSWORD });
      addresses.push(`u${u}@${domain}`);
    }
  }
});
console.error(`seeded ${USERS} users in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const server = await startServer(data.dir);
t0 = performance.now();
const tokens: string[] = new Array(USERS);
await pool(addresses, 16, async (a, i) => {
  tokens[i] = await login(server.url, a, PASSWORD);
});
console.error(`logged in in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

/** note → time the change was sent; each change carries a unique note. */
const sentAt = new Map<string, number>();
const latencies: number[] = [];
let received = 0;
const sockets: WebSocket[] = [];
t0 = performance.now();
await pool(tokens, 64, async (token) => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  sockets.push(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', (raw) => {
    const text = String(raw);
    if (!text.startsWith('{"type":"presence.changed"')) return;
    received++;
    const note = /"note":"(c\d+)"/.exec(text)?.[1];
    const sent = note === undefined ? undefined : sentAt.get(note);
    if (sent !== undefined) latencies.push(performance.now() - sent);
  });
});
console.error(`${sockets.length} sockets open in ${((performance.now() - t0) / 1000).toFixed(0)} s; settling …`);
// Every connect is a presence change; let that storm pass before measuring.
for (let quiet = 0; quiet < 3; ) {
  const before = received;
  await sleep(1000);
  quiet = received === before ? quiet + 1 : 0;
}

const put = (token: string, body: unknown) =>
  fetch(`${server.url}/api/v1/me/presence`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => {
    if (!r.ok) throw new Error(`PUT presence: ${r.status}`);
  });

const results: string[] = [];
let seq = 0;
let next = 0;
for (const rate of STEPS) {
  latencies.length = 0;
  let errors = 0;
  let changes = 0;
  const cpu0 = server.cpuSeconds();
  const start = performance.now();
  const pending: Promise<void>[] = [];
  let due = 0;
  while (performance.now() - start < SECONDS * 1000) {
    due += (rate * 10) / 1000;
    while (due >= 1) {
      due -= 1;
      const note = `c${seq++}`;
      const who = next++ % USERS;
      sentAt.set(note, performance.now());
      changes++;
      pending.push(
        put(tokens[who] as string, { availability: seq % 2 ? 'away' : 'busy', note }).catch(() => void errors++),
      );
    }
    await sleep(10);
  }
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(pending);
  const expected = changes * ROSTER; // every tenant member, the changer's own sockets included
  const drainEnd = performance.now() + 10_000;
  while (latencies.length < expected && performance.now() < drainEnd) await sleep(50);
  const cpu = server.cpuSeconds() - cpu0;
  const s = summarize(latencies);
  const line = row([
    rate,
    Math.round(expected / elapsed),
    latencies.length,
    expected,
    s.p50,
    s.p99,
    (cpu / Math.max(1, latencies.length)) * 1e6,
    errors,
  ]);
  results.push(line);
  console.error(line);
  sentAt.clear();
  if (s.p99 > 1000 || latencies.length < expected || errors > 0) break;
}

console.log(
  '| changes/s | deliveries/s offered | delivered | expected | p50 ms | p99 ms | server CPU µs/delivery | errors |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
for (const ws of sockets) ws.terminate();
await server.stop();
data.remove();
