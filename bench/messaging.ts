// Messaging benchmark: 1:1 messages between 2,000 online users at stepped rates.
// Reports send→deliver and send→ack latency (p50/p99), achieved messages/s and server CPU.
//   node --import tsx bench/messaging.ts [--users 2000] [--steps 100,250,500,1000,2000] [--seconds 8]
import { parseArgs } from 'node:util';
import {
  loginAll,
  messagingLoad,
  openEventSockets,
  row,
  seed,
  seedUsers,
  startServer,
  summarize,
  tempData,
} from './lib.js';

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

const data = tempData('parley-bench-msg-');
let addresses: string[] = [];
console.error(`seeding ${USERS} users …`);
await seed(data.dir, async (core) => {
  addresses = await seedUsers(core, USERS, PER_TENANT);
});
const server = await startServer(data.dir);
console.error(`server ${server.url} (pid ${server.pid}); logging in …`);
const tokens = await loginAll(server.url, addresses);

// Pairs (2i, 2i+1) of the same tenant share a 1:1 conversation.
const messaging = messagingLoad(() => server.url, tokens, addresses, MAX_INFLIGHT);
await messaging.setup();
console.error('opening event sockets …');
const sockets = await openEventSockets(() => server.url, tokens, 32, messaging.onEvent);

console.error('running steps …');
const results: string[] = [];
for (const rate of STEPS) {
  const cpu0 = server.cpuSeconds();
  const step = await messaging.step(rate, SECONDS);
  const cpu = server.cpuSeconds() - cpu0;
  const d = summarize(step.deliveries.map((x) => x.ms));
  const a = summarize(step.acks);
  const line = row([
    rate,
    Math.round(d.n / step.elapsed),
    a.p50,
    a.p99,
    d.p50,
    d.p99,
    (cpu / Math.max(1, d.n)) * 1e6,
    step.shed,
    step.errors,
  ]);
  results.push(line);
  console.error(line);
  if (d.p99 > 1000 || step.shed > 0 || step.errors > 0) break;
}

console.log(
  '| offered msg/s | delivered msg/s | ack p50 ms | ack p99 ms | deliver p50 ms | deliver p99 ms | server CPU µs/msg | shed | errors |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
for (const ws of sockets) ws.terminate();
await server.stop();
data.remove();
