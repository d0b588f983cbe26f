// The core's cost of one 1:1 message, without a protocol in front: `messaging.send` in a loop
// between two users of one tenant (SQLite in a temporary data folder, the events published to the
// in-process bus), after 500 unmeasured sends. Prints the process's CPU time (user + system) per
// message; with --statements, the CPU time of each SQL statement per message as well (measured
// around better-sqlite3's calls, which adds a little to every figure). The share of W2 of
// `bench/xmpp.ts` that is the core's, measurable on a busy machine: pin it to one core and compare
// two checkouts run by turns. With --senders N, N users send at once, each in its own 1:1 and each
// waiting for its send before the next (W2's many sends queued at once); the default is one.
// With --pages, the database pages written per message as well (the write-ahead log's growth,
// with checkpoints held off while measuring): what a commit costs, and unlike CPU time the same
// on a busy machine.
//
//   taskset -c 1 node --import tsx bench/message-send.ts [--messages 4000] [--senders 1] [--statements] [--pages]
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pino from 'pino';
import type { Caller } from '../packages/server/src/core/messaging/conversations.js';
import { closeCore, openCore } from '../packages/server/src/create-server.js';
import { loadConfig } from '../packages/server/src/platform/config/load.js';
import { benchEnv, tempData } from './lib.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '4000' },
    senders: { type: 'string', default: '1' },
    statements: { type: 'boolean', default: false },
    pages: { type: 'boolean', default: false },
  },
});
const N = Number(values.messages);
const senders = Number(values.senders);

/** CPU µs and runs by SQL text, while `measuring`. */
const statements = new Map<string, { us: number; runs: number }>();
let measuring = false;
if (values.statements) {
  const prepare = SQLite.prototype.prepare;
  SQLite.prototype.prepare = function (this: SQLite.Database, source: string) {
    const statement = prepare.call(this, source) as SQLite.Statement;
    for (const method of ['run', 'all', 'get'] as const) {
      const call = statement[method].bind(statement) as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (!measuring) return call(...args);
        const c0 = process.cpuUsage();
        try {
          return call(...args);
        } finally {
          const c = process.cpuUsage(c0);
          const s = statements.get(source) ?? { us: 0, runs: 0 };
          s.us += c.user + c.system;
          s.runs++;
          statements.set(source, s);
        }
      };
    }
    return statement;
  } as typeof prepare;
}

const data = tempData('parley-bench-send-');
const config = loadConfig({ env: benchEnv, overrides: { dataDir: data.dir, 'log.level': 'warn' } });
const core = await openCore({ config, log: pino({ level: 'warn' }) });
const tenant = await core.tenants.create({ domain: 'send.test' });
const user = async (local: string) =>
  (await core.users.create(tenant.id, { local, domain: 'send.test', password: 'bench-password' })).user;
/** One sender's 1:1: the two of them take turns. */
const pair = async (n: number) => {
  const [a, b] = [await user(`a${n}`), await user(`b${n}`)];
  const [first, second] = [a, b].map((u) => ({ tenantId: tenant.id, userId: u.id })) as [Caller, Caller];
  const direct = await core.messaging.conversations.create(first, { members: [`b${n}@send.test`], kind: 'direct' });
  return (i: number, tag: string) =>
    core.messaging.send(i % 2 ? first : second, direct.id, { text: `${tag}${i}`, clientId: `${tag}${n}.${i}` });
};
const pairs = await Promise.all(Array.from({ length: senders }, (_, n) => pair(n)));
/** `count` messages from every sender at once, each sender's one after the other. */
const run = (count: number, tag: string) =>
  Promise.all(
    pairs.map(async (send) => {
      for (let i = 0; i < count; i++) await send(i, tag);
    }),
  );
await run(Math.ceil(500 / senders), 'w');
const wal = join(data.dir, 'parley.sqlite-wal');
if (values.pages) {
  // The log from here on holds every page written (a checkpoint would start it again).
  await sql`pragma wal_checkpoint(truncate)`.execute(core.ctx.store.db);
  await sql`pragma wal_autocheckpoint = 0`.execute(core.ctx.store.db);
}
measuring = true;
const c0 = process.cpuUsage();
await run(N / senders, 'm');
const c = process.cpuUsage(c0);
measuring = false;
console.log(`${N} messages, ${senders} sender(s): ${((c.user + c.system) / N).toFixed(1)} µs CPU per message`);
if (values.pages) {
  const [{ page_size: pageSize }] = (await sql<{ page_size: number }>`pragma page_size`.execute(core.ctx.store.db))
    .rows as [{ page_size: number }];
  // A frame of the log is a page and its 24-byte header, after the log's 32-byte header.
  const frames = (statSync(wal).size - 32) / (pageSize + 24);
  console.log(`${(frames / N).toFixed(2)} pages written per message (${frames} in all)`);
}
for (const [source, s] of [...statements].sort((x, y) => y[1].us - x[1].us)) {
  console.log(
    `${(s.us / N).toFixed(1).padStart(8)} µs/message  ${String(s.runs).padStart(6)} runs  ${source.slice(0, 120)}`,
  );
}
await closeCore(core);
data.remove();
