// What a restart with nothing changed costs after it is ready: two checkouts' servers restarted by
// turns on one data folder seeded by `npm run bench:directory -- --contacts N --only seed --keep
// DIR` (its first start here builds the index and writes the snapshot), each pinned to core 1.
// Per restart: the server's CPU from `directory index up to date` over the next `--seconds` (a
// snapshot written a minute after the start lands in it) and whether the snapshot file was
// written again; then the medians. Each checkout starts its own server (bench/lib.ts).
//   node --import tsx bench/directory-restart.ts --a CHECKOUT --b CHECKOUT --data DIR [--pairs 3] [--seconds 75]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sleep, snapshotWritten, startServer } from './lib.js';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    data: { type: 'string' },
    pairs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '75' },
  },
});
const { a, b, data } = values;
if (!a || !b || !data) throw new Error('usage: --a CHECKOUT --b CHECKOUT --data DIR [--pairs 3] [--seconds 75]');
const folder = join(data, 'directory-index');
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;

/** The snapshot file's identity: a file written again has another inode or modification time. */
function snapshotId(): string {
  const name = readdirSync(folder).find((f) => f.endsWith('.index'));
  if (!name) throw new Error(`no snapshot in ${folder}`);
  const { ino, mtimeMs } = statSync(join(folder, name));
  return `${ino} ${mtimeMs}`;
}

async function restart(checkout: string): Promise<{ cpu: number; rewritten: boolean }> {
  const lib = (await import(pathToFileURL(join(checkout, 'bench/lib.ts')).href)) as typeof import('./lib.js');
  const before = snapshotId();
  const server = await lib.startServer(data as string);
  spawnSync('taskset', ['-a', '-p', '-c', '1', String(server.pid)]);
  let upToDate = false;
  createInterface({ input: server.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if ((JSON.parse(line) as { msg?: string }).msg === 'directory index up to date') upToDate = true;
  });
  try {
    for (let waited = 0; !upToDate; waited += 100) {
      if (waited > 600_000) throw new Error('the index was not up to date within 10 min');
      await sleep(100);
    }
    const cpu0 = server.cpuSeconds();
    await sleep(Number(values.seconds) * 1000);
    return { cpu: server.cpuSeconds() - cpu0, rewritten: snapshotId() !== before };
  } finally {
    await server.stop();
  }
}

if (!existsSync(folder) || readdirSync(folder).length === 0) {
  const first = await startServer(data);
  await snapshotWritten(data);
  await first.stop();
}
const sides = [
  { name: 'a', checkout: a, cpu: [] as number[], rewrites: 0 },
  { name: 'b', checkout: b, cpu: [] as number[], rewrites: 0 },
];
for (let pair = 0; pair < Number(values.pairs); pair++) {
  for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
    const r = await restart(side.checkout);
    side.cpu.push(r.cpu);
    if (r.rewritten) side.rewrites++;
    console.log(`pair ${pair + 1} ${side.name}: ${r.cpu.toFixed(2)} s of CPU, snapshot written again: ${r.rewritten}`);
  }
}
for (const s of sides) {
  const cpu = s.cpu.map((c) => c.toFixed(2)).join(', ');
  console.log(
    `${s.name} (${s.checkout}): median ${median(s.cpu).toFixed(2)} s (${cpu}); rewrites ${s.rewrites}/${s.cpu.length}`,
  );
}
