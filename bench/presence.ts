// Presence fan-out benchmark: USERS users in tenants of ROSTER (each user's roster is their
// tenant directory), all online over the event WebSocket; status changes at stepped rates.
// Reports change→delivery latency (p50/p99), deliveries/s and server CPU per delivered update.
//   node --import tsx bench/presence.ts [--users 10000] [--roster 100] [--steps 5,10,20,40,80] [--seconds 8]
import { parseArgs } from 'node:util';
import {
  loginAll,
  openEventSockets,
  presenceLoad,
  row,
  seed,
  seedUsers,
  settle,
  startServer,
  summarize,
  tempData,
} from './lib.js';

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

const data = tempData('parley-bench-presence-');
let addresses: string[] = [];
let t0 = performance.now();
await seed(data.dir, async (core) => {
  addresses = await seedUsers(core, USERS, ROSTER);
});
console.error(`seeded ${USERS} users in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const server = await startServer(data.dir);
t0 = performance.now();
const tokens = await loginAll(server.url, addresses);
console.error(`logged in in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

const presence = presenceLoad(() => server.url, tokens, ROSTER);
t0 = performance.now();
const sockets = await openEventSockets(() => server.url, tokens, 64, presence.onEvent);
console.error(`${sockets.length} sockets open in ${((performance.now() - t0) / 1000).toFixed(0)} s; settling …`);
// Every connect is a presence change; let that storm pass before measuring.
await settle(presence.received);

const results: string[] = [];
for (const rate of STEPS) {
  const cpu0 = server.cpuSeconds();
  const step = await presence.step(rate, SECONDS);
  const cpu = server.cpuSeconds() - cpu0;
  const delivered = step.deliveries.length;
  const s = summarize(step.deliveries.map((d) => d.ms));
  const line = row([
    rate,
    Math.round(step.expected / step.elapsed),
    delivered,
    step.expected,
    s.p50,
    s.p99,
    (cpu / Math.max(1, delivered)) * 1e6,
    step.errors,
  ]);
  results.push(line);
  console.error(line);
  if (s.p99 > 1000 || delivered < step.expected || step.errors > 0) break;
}

console.log(
  '| changes/s | deliveries/s offered | delivered | expected | p50 ms | p99 ms | server CPU µs/delivery | errors |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const line of results) console.log(line);
for (const ws of sockets) ws.terminate();
await server.stop();
data.remove();
