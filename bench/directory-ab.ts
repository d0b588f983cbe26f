// Two checkouts' HTTP reverse lookups side by side, for a machine too busy for runs minutes apart:
// both servers up at once, each on its own data folder seeded by `npm run bench:directory --
// --contacts N --only seed --keep DIR` (a copy of one is fine), pinned to the same core, this
// process on the other; the load (the mix of bench/directory-data.ts, 16 keep-alive connections)
// alternates between them in short slices, the order swapped every round. Prints the server CPU
// per lookup of each slice and the medians. Each checkout starts its own server (bench/lib.ts).
//   node --import tsx bench/directory-ab.ts --a CHECKOUT --a-data DIR --b CHECKOUT --b-data DIR
//     [--contacts 100000] [--rounds 14] [--seconds 4] [--warmup 15]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DirectoryData } from './directory-data.js';
import { type WireLookup, wireLoad } from './wire.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    'a-data': { type: 'string' },
    b: { type: 'string' },
    'b-data': { type: 'string' },
    contacts: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '14' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '15' },
  },
});
const SERVER_CPU = '0';
const LOAD_CPU = '1';
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
const pin = (pid: number, cpu: string) => {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset: ${r.stderr}`);
};

const sides = (['a', 'b'] as const).map((k) => {
  const checkout = values[k];
  const data = values[`${k}-data`];
  if (!checkout || !data) throw new Error('usage: --a CHECKOUT --a-data DIR --b CHECKOUT --b-data DIR');
  return { name: k, checkout, data };
});
pin(process.pid, LOAD_CPU);
const numbers = new DirectoryData(Number(values.contacts)).lookups(0, 200_000).map((l) => l.number);
const running = [];
try {
  for (const s of sides) {
    const lib = (await import(pathToFileURL(join(s.checkout, 'bench/lib.ts')).href)) as typeof import('./lib.js');
    const server = await lib.startServer(s.data);
    running.push({ ...s, server, us: [] as number[], requests: [] as WireLookup[], target: { host: '', port: 0 } });
    pin(server.pid, SERVER_CPU);
    const token = await lib.login(server.url, 'bench@dir.bench.test', lib.PASSWORD);
    const r = running.at(-1) as (typeof running)[number];
    r.requests = numbers.map((n) => ({
      kind: 'http',
      request: Buffer.from(
        `GET /api/v1/directory/lookup?number=${encodeURIComponent(n)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ),
    }));
    const { hostname, port } = new URL(server.url);
    r.target = { host: hostname, port: Number(port) };
  }
  // Warm-up: the index loaded (or built) and compiled code, before anything is counted.
  for (const r of running) await wireLoad(r.target, r.requests, { connections: 16, seconds: Number(values.warmup) });
  for (let round = 0; round < Number(values.rounds); round++) {
    const line: string[] = [];
    for (const r of round % 2 === 0 ? running : [...running].reverse()) {
      const cpu0 = r.server.cpuSeconds();
      const res = await wireLoad(r.target, r.requests, { connections: 16, seconds: Number(values.seconds) });
      const us = ((r.server.cpuSeconds() - cpu0) * 1e6) / res.lookups;
      r.us.push(us);
      line.push(`${r.name} ${us.toFixed(1)} µs (${Math.round(res.lookups / res.seconds)}/s, ${res.errors} errors)`);
    }
    console.log(`round ${round + 1}: ${line.join(' | ')}`);
  }
  const [a, b] = running as [(typeof running)[number], (typeof running)[number]];
  const ratios = a.us.map((x, i) => x / (b.us[i] as number));
  console.log(
    `server CPU µs per lookup, medians: a ${median(a.us).toFixed(1)}, b ${median(b.us).toFixed(1)}; a ÷ b per round ${median(ratios).toFixed(2)}×`,
  );
} finally {
  for (const r of running) await r.server.stop();
}
process.exit(0);
