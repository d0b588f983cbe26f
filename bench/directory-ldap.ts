// LDAP to LDAP: Parley's LDAP phone book (`parley serve --ldap-port`) and slapd answering the same
// reverse lookups over the same protocol, side by side in one run. The same generated contacts
// (bench/directory-data.ts) go into a Parley data folder (through the real directory sync) and into
// slapd (slapadd; back-mdb, equality index on the phone attributes, `loglevel 0`, 8 threads, as a
// directory's administrator runs it). Clients are ldapts, `--connections` of them, each one request
// at a time, for `--seconds`:
//   Parley  bound as the tenant's phone-book account, as desk phones are; one search per lookup,
//           as a desk phone sends it, with the number as the caller ID came:
//           (|(telephoneNumber=N)(mobile=N)(homePhone=N)); Parley normalizes it. Before the race,
//           the server CPU of one bind as a user (scrypt) and as the phone-book account.
//   slapd   the client normalizes (slapd cannot), then (telephoneNumber=E164) and, when nothing is
//           found, the company search (switchboard and block candidates), as bench/directory.ts.
// Server CPU per lookup is read from /proc for each server process.
//   node --import tsx bench/directory-ldap.ts [--contacts 100000] [--seconds 10] [--connections 16] [--keep DIR] [--pin]
// With --keep, slapd's loaded database stays in DIR/slapd-N and later runs start on it.
// bench/directory.ts runs it as its `ldap` part (`--only ldap`).
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, TimeLimitExceededError } from 'ldapts';
import type { Services } from '../packages/server/src/compose.js';
import { planOf } from '../packages/server/src/directory/service.js';
import type { DirectorySource, SourceContact } from '../packages/server/src/directory/source.js';
import { normalize, prefixesOf, switchboardCandidates } from '../packages/server/src/lib/phone-number.js';
import { ldifLine, PEOPLE_DN, startSlapd } from '../packages/server/test/support/slapd.js';
import { contactsLdifChunks, DirectoryData, slapdDatabase } from './directory-data.js';
import {
  PASSWORD,
  percentile,
  pin,
  processCpuSeconds,
  processCpuTimes,
  processRssBytes,
  seed,
  snapshotWritten,
  startServer,
  tempData,
} from './lib.js';

export const DOMAIN = 'ldap.bench.test';
export const BASE = 'dc=ldap,dc=bench,dc=test';
const PLAN = planOf({ country: 'DE', areaCode: '711', numbering: null });
export const ATTRIBUTES = ['cn', 'sn', 'o', 'telephoneNumber', 'mobile', 'homePhone'];
/** Binds timed on each kind of account (connect, bind, unbind, one after the other). */
const BINDS = 40;
/** How long the server's CPU is read while idle, before the timed lookups. */
const IDLE_MS = 3000;
/**
 * With `pin`: the core each server runs on, and the one of the clients (this process), as in the
 * wire race. On a machine that other work keeps busy, pinned clients starve (tens of lookups per
 * second), and the server's own background work then dominates its CPU per lookup.
 */
const SERVER_CPU = 0;
const CLIENT_CPU = 1;

export interface LdapRaceRow {
  server: string;
  lookups: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerLookup: number;
  /** The part of it spent in the kernel (socket reads and writes, loopback TCP). */
  systemUsPerLookup: number;
  perCpuSecond: number;
  rssMiB: number;
}

/** Runs `lookup` on `connections` clients for `seconds`, each one request at a time. */
async function drive(
  clients: Client[],
  numbers: string[],
  seconds: number,
  pid: number,
  lookup: (c: Client, n: string) => Promise<unknown>,
): Promise<Omit<LdapRaceRow, 'server' | 'rssMiB'>> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = processCpuTimes(pid);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < until) {
        const n = numbers[next++ % numbers.length] as string;
        const t = performance.now();
        await lookup(c, n);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu1 = processCpuTimes(pid);
  const system = cpu1.system - cpu0.system;
  const cpu = cpu1.user - cpu0.user + system;
  latencies.sort((a, b) => a - b);
  return {
    lookups: latencies.length,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuUsPerLookup: (cpu / latencies.length) * 1e6,
    systemUsPerLookup: (system / latencies.length) * 1e6,
    perCpuSecond: latencies.length / cpu,
  };
}

/**
 * The bench tenant (DOMAIN, DE/711) with a user, its phone-book account and `contacts` contacts of
 * `data`, through the real directory sync; the tenant and the account's secret.
 */
export async function seedPhonebook(core: Services, data: DirectoryData, contacts: number) {
  const tenant = await core.tenants.create({ domain: DOMAIN, country: 'DE', areaCode: '711' });
  await core.users.create(tenant.id, { local: 'bench', domain: DOMAIN, password: PASSWORD });
  const { secret } = await core.ldapAccounts.set(tenant.id);
  await core.directory.sources.create(tenant.id, { name: 'crm', kind: 'file', config: {} });
  const source: DirectorySource = {
    async *sync() {
      for (let i = 0; i < contacts; i += 1000) {
        const batch: SourceContact[] = [];
        for (let j = i; j < Math.min(contacts, i + 1000); j++) batch.push(data.contact(j));
        yield batch;
      }
      return { full: true, cursor: null };
    },
    async test() {},
  };
  await core.directory.sync.run(tenant.id, 'crm', { contacts: source });
  return { tenant, secret };
}

const cpuOf = (r: { cpuUsPerLookup: number; systemUsPerLookup: number }) =>
  `${r.cpuUsPerLookup.toFixed(1)} µs CPU per lookup (${r.systemUsPerLookup.toFixed(1)} of it in the kernel)`;

/** The race: Parley's LDAP server against slapd on `contacts` generated contacts. */
export async function ldapRace(o: {
  contacts: number;
  seconds: number;
  connections: number;
  /** Where slapd's loaded database is kept between runs (slapdDatabase); none: loaded each run. */
  keep?: string;
  /** Pin the servers to core 0 and the clients to core 1. */
  pin?: boolean;
  log: (msg: string) => void;
}): Promise<LdapRaceRow[]> {
  const data = new DirectoryData(o.contacts);
  const numbers = data.lookups(1_000_000, 100_000).map((l) => l.number);
  if (o.pin) pin(process.pid, CLIENT_CPU);
  try {
    return [await raceParley(o, data, numbers), await raceSlapd(o, data, numbers)];
  } finally {
    if (o.pin) pin(process.pid, '0,1');
  }
}

type RaceOptions = Parameters<typeof ldapRace>[0];

/** Parley: a data folder seeded through the real directory sync, then `parley serve --ldap-port 0`. */
async function raceParley(o: RaceOptions, data: DirectoryData, numbers: string[]): Promise<LdapRaceRow> {
  const folder = tempData('parley-bench-ldap-');
  try {
    let phonebookSecret = '';
    await seed(folder.dir, async (core) => {
      phonebookSecret = (await seedPhonebook(core, data, o.contacts)).secret;
    });
    o.log(`Parley: ${o.contacts} contacts seeded`);
    const server = await startServer(folder.dir, {
      PARLEY_LDAP_PORT: '0',
      PARLEY_LDAP_LIMITS_REQUESTS_PER_SECOND: '100000',
    });
    try {
      if (o.pin) pin(server.pid, SERVER_CPU);
      const port = server.listeners.get('ldap')?.port;
      const bindAs = async (dn: string, password: string, timeout = 30_000) => {
        const c = new Client({ url: `ldap://127.0.0.1:${port}`, timeout });
        await c.bind(dn, password);
        return c;
      };
      // As a desk phone: the tenant's phone-book account.
      const connect = () => bindAs(`cn=phonebook,${BASE}`, phonebookSecret);
      // The first client waits as long as the first start may take: at 5 M contacts the server
      // can be busy beyond a search's usual timeout between two of its time-limit answers.
      const first = await bindAs(`cn=phonebook,${BASE}`, phonebookSecret, 600_000);
      const lookup = (c: Client, n: string) =>
        c.search(BASE, {
          filter: `(|(telephoneNumber=${n})(mobile=${n})(homePhone=${n}))`,
          attributes: ATTRIBUTES,
          sizeLimit: 20,
        });
      // The first start builds the index from the store: searches time out (timeLimitExceeded)
      // until it answers, and its snapshot is written after it; measure after both. The other
      // clients bind after it (binds wait for the busy server too, beyond their timeout when the
      // machine is loaded).
      const t0 = performance.now();
      for (;;) {
        try {
          await lookup(first, numbers[0] as string);
          break;
        } catch (err) {
          if (!(err instanceof TimeLimitExceededError) || performance.now() - t0 > 600_000) throw err;
        }
      }
      o.log(`Parley: LDAP answered ${((performance.now() - t0) / 1000).toFixed(1)} s after its first search`);
      await snapshotWritten(folder.dir);
      const clients = [first, ...(await Promise.all(Array.from({ length: o.connections - 1 }, connect)))];
      // Warm-up: the JIT.
      await drive(clients, numbers.slice(50_000), 3, server.pid, lookup);
      // What one bind costs the server, once it is warm: a user's password is one scrypt, the
      // phone-book account's secret one SHA-256 (phones bind as it, often once per lookup).
      for (const [who, dn, password] of [
        ['user', `bench@${DOMAIN}`, PASSWORD],
        ['phone-book account', `cn=phonebook,${BASE}`, phonebookSecret],
      ] as const) {
        const cpu0 = processCpuSeconds(server.pid);
        for (let i = 0; i < BINDS; i++) await (await bindAs(dn, password)).unbind();
        o.log(
          `Parley: bind as ${who}: ${(((processCpuSeconds(server.pid) - cpu0) / BINDS) * 1e6).toFixed(0)} µs CPU each`,
        );
      }
      // What the server spends when nobody asks (timers, background work): each lookup's figure carries its share.
      const idle0 = processCpuSeconds(server.pid);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      const idleMsPerSecond = ((processCpuSeconds(server.pid) - idle0) / IDLE_MS) * 1e6;
      const r = await drive(clients, numbers, o.seconds, server.pid, lookup);
      o.log(
        `Parley: ${Math.round(r.perSecond)} lookups/s, ${cpuOf(r)}; idle before: ${idleMsPerSecond.toFixed(0)} ms of CPU per second`,
      );
      const row = { server: 'Parley LDAP', ...r, rssMiB: Math.round(processRssBytes(server.pid) / 2 ** 20) };
      for (const c of clients) await c.unbind();
      return row;
    } finally {
      await server.stop();
    }
  } finally {
    folder.remove();
  }
}

/** slapd: the same contacts with slapadd, configured as for production. */
async function raceSlapd(o: RaceOptions, data: DirectoryData, numbers: string[]): Promise<LdapRaceRow> {
  const slapd = await startSlapd({
    entries: contactsLdifChunks(data, o.contacts, PEOPLE_DN, ldifLine),
    ...slapdDatabase(o.contacts, o.keep),
    timeoutMs: 3_600_000,
    logLevel: '0',
    threads: 8,
  });
  try {
    o.log(
      slapd.loadMs > 0
        ? `slapd: ${o.contacts} entries loaded in ${(slapd.loadMs / 1000).toFixed(1)} s`
        : `slapd: started on its kept database of ${o.contacts} entries`,
    );
    const connect = async () => {
      const c = new Client({ url: slapd.url, timeout: 30_000 });
      await c.bind(slapd.reader.dn, slapd.reader.password);
      return c;
    };
    const clients = await Promise.all(Array.from({ length: o.connections }, connect));
    const lookup = async (c: Client, number: string) => {
      const n = normalize(number, PLAN);
      if (!n.ok) return;
      const exact = await c.search(PEOPLE_DN, {
        scope: 'one',
        filter: `(telephoneNumber=${n.e164})`,
        attributes: ATTRIBUTES,
      });
      if (exact.searchEntries.length > 0) return;
      const terms = new Set(switchboardCandidates(n.e164));
      for (const p of prefixesOf(n.e164)) {
        if (p === n.e164) continue;
        terms.add(`${p}0`);
        terms.add(p);
      }
      await c.search(PEOPLE_DN, {
        scope: 'one',
        filter: `(|${[...terms].map((t) => `(telephoneNumber=${t})`).join('')})`,
        attributes: ATTRIBUTES,
      });
    };
    const pid = slapd.pid ?? 0;
    if (o.pin) pin(pid, SERVER_CPU);
    await drive(clients, numbers.slice(50_000), 3, pid, lookup);
    const r = await drive(clients, numbers, o.seconds, pid, lookup);
    o.log(`slapd: ${Math.round(r.perSecond)} lookups/s, ${cpuOf(r)}`);
    const row = {
      server: 'slapd (back-mdb, eq index, loglevel 0, 8 threads)',
      ...r,
      rssMiB: Math.round(processRssBytes(pid) / 2 ** 20),
    };
    for (const c of clients) await c.unbind();
    return row;
  } finally {
    await slapd.stop();
  }
}

/** The race as a Markdown table. */
export function ldapRaceTable(rows: LdapRaceRow[], o: { contacts: number; connections: number }): string[] {
  const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
  return [
    `## LDAP to LDAP (${n0(o.contacts)} contacts, ${o.connections} ldapts connections, one request at a time each)`,
    '',
    '| server | lookups/s | p50 ms | p99 ms | server CPU µs/lookup | lookups per CPU-second | RSS MiB |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.server} | ${n0(r.perSecond)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.cpuUsPerLookup.toFixed(1)} | ${n0(r.perCpuSecond)} | ${r.rssMiB} |`,
    ),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: '100000' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      keep: { type: 'string' },
      pin: { type: 'boolean', default: false },
    },
  });
  const o = {
    contacts: Number(values.contacts),
    seconds: Number(values.seconds),
    connections: Number(values.connections),
    keep: values.keep,
    pin: values.pin,
    log: (msg: string) => console.error(`[directory:ldap] ${msg}`),
  };
  const rows = await ldapRace(o);
  console.log(ldapRaceTable(rows, o).join('\n'));
}
