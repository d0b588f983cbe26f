// Messaging benchmark: 1:1 messages between 2,000 online users at stepped rates.
// Reports send→deliver and send→ack latency (p50/p99), achieved messages/s and server CPU.
//   node --import tsx bench/messaging.ts [--users 2000] [--steps 100,250,500,1000,2000] [--seconds 8]
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { login, pool, row, seed, sleep, startServer, summarize, tempData } from './lib.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '100,250,500,1000,2000' },
    seconds: { type: 'string', default: '8' },
    inflight: { type: 'string', default: '256' },
  },
});
const USERS = Number(values.users);
const PER_TENANT = 100;
const STEPS = String(values.steps).split(',').map(Number);
const SECONDS = Number(values.seconds);
const MAX_INFLIGHT = Number(values.inflight);
const PASSWORD = 'bench-password';

const data = tempData('parley-bench-msg-');
const addresses: string[] = [];
console.error(`seeding ${USERS} users …`);
await seed(data.dir, async (core) => {
  for (let t = 0; t < USERS / PER_TENANT; t++) {
    const domain = `t${t}.bench.test`;
    const tenant = await core.tenants.create({ domain });
    for (let u = 0; u < PER_TENANT; u++) {
      await core.users.create(tenant.id, { local: `u${u}`, domain, password: PASSWORD });
      addresses.push(`u${u}@${domain}`);
    }
  }
});
const server = await startServer(data.dir);
console.error(`server ${server.url} (pid ${server.pid}); logging in …`);
const tokens: string[] = new Array(USERS);
await pool(addresses, 16, async (a, i) => {
  tokens[i] = await login(server.url, a, PASSWORD);
});

const post = async (token: string, path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: string }>;
};

// Pairs (2i, 2i+1) of the same tenant share a 1:1 conversation.
const conversations: string[] = new Array(USERS / 2);
await pool(
  Array.from({ length: USERS / 2 }, (_, i) => i),
  16,
  async (i) => {
    conversations[i] = (
      await post(tokens[2 * i] as string, '/api/v1/conversations', { members: [addresses[2 * i + 1]] })
    ).id;
  },
);

const sentAt = new Map<string, number>();
const deliver: number[] = [];
const sockets: WebSocket[] = [];
console.error('opening event sockets …');
await pool(tokens, 32, async (token) => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  sockets.push(ws);
  const me = await new Promise<string>((resolve, reject) => {
    ws.once('message', (raw) => resolve((JSON.parse(String(raw)) as { user: { id: string } }).user.id));
    ws.once('error', reject);
  });
  // Both members get each message; only the recipient's copy counts as a delivery.
  const mine = `"senderId":"${me}"`;
  ws.on('message', (raw) => {
    const text = String(raw);
    if (!text.startsWith('{"type":"message.created"') || text.includes(mine)) return;
    const clientId = /"clientId":"([^"]+)"/.exec(text)?.[1];
    const t0 = clientId === undefined ? undefined : sentAt.get(clientId);
    if (t0 !== undefined) deliver.push(performance.now() - t0);
  });
});

console.error('running steps …');
const results: string[] = [];
let seq = 0;
for (const rate of STEPS) {
  deliver.length = 0;
  const acks: number[] = [];
  let inflight = 0;
  let sent = 0;
  let shed = 0;
  let errors = 0;
  const cpu0 = server.cpuSeconds();
  const start = performance.now();
  const tickMs = 10;
  let due = 0;
  while (performance.now() - start < SECONDS * 1000) {
    due += (rate * tickMs) / 1000;
    while (due >= 1) {
      due -= 1;
      if (inflight >= MAX_INFLIGHT) {
        shed++;
        continue;
      }
      const pair = Math.floor(Math.random() * (USERS / 2));
      const from = 2 * pair + (Math.random() < 0.5 ? 0 : 1);
      const clientId = `b${seq++}`;
      const t0 = performance.now();
      sentAt.set(clientId, t0);
      inflight++;
      sent++;
      post(tokens[from] as string, `/api/v1/conversations/${conversations[pair]}/messages`, {
        text: `hello ${clientId}`,
        clientId,
      })
        .then(() => acks.push(performance.now() - t0))
        .catch(() => errors++)
        .finally(() => inflight--);
    }
    await sleep(tickMs);
  }
  const elapsed = (performance.now() - start) / 1000;
  const drainEnd = performance.now() + 5000;
  while ((inflight > 0 || deliver.length < sent - errors) && performance.now() < drainEnd) await sleep(20);
  const cpu = server.cpuSeconds() - cpu0;
  const d = summarize(deliver);
  const a = summarize(acks);
  const line = row([
    rate,
    Math.round(deliver.length / elapsed),
    a.p50,
    a.p99,
    d.p50,
    d.p99,
    (cpu / Math.max(1, deliver.length)) * 1e6,
    shed,
    errors,
  ]);
  results.push(line);
  console.error(line);
  sentAt.clear();
  if (d.p99 > 1000 || shed > 0 || errors > 0) break;
}

console.log(
  '| offered msg/s | delivered msg/s | ack p50 ms | ack p99 ms | deliver p50 ms | deliver p99 ms | server CPU µs/msg | shed | errors |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
for (const ws of sockets) ws.terminate();
await server.stop();
data.remove();
