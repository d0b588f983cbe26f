// Directory benchmark: reverse lookups over 1,000,000 contacts (bench/directory-data.ts: companies
// with switchboards and extensions, people with 1–3 numbers in real-world spellings), against the
// same lookups on OpenLDAP (slapd, back-mdb, equality index on the E.164 numbers), and a full LDAP
// sync of 100,000 entries. Each measurement runs in a child process of its own (clean heap, RSS
// and JIT state); this process orchestrates them and prints Markdown tables (stdout) and progress
// (stderr). Phases:
//   build  normalize N contacts (the real normalizeContact) and build the tenant index
//          (DirectoryService over an in-memory store); lookups at four depths: TenantIndex.lookup
//          on E.164, normalize only, normalize (the index's numbers known) + TenantIndex.lookup, DirectoryService.lookup
//          (ranking and merging included, no store reads)
//   seed   sync N contacts into a fresh SQLite data folder through the real DirectoryService.sync
//   core   open that folder with openCore: index build from the store, core.directory.lookup
//   http   `parley serve` on that folder; GET /api/v1/directory/lookup?number=… with wrk
//          (Debian's wrk; a Node load generator if it is not installed)
//   slapd  the same contacts loaded into slapd with slapadd -q; the same lookups over LDAP
//   ldap   Parley's LDAP server against slapd, LDAP to LDAP (bench/directory-ldap.ts)
//   sync   a full sync of generatePeopleLdif(100,000) from slapd through LdapSource + sync
//   node --import tsx bench/directory.ts [--contacts 1000000] [--lookups 200000] [--runs 3]
//     [--seconds 10] [--connections 32] [--slapd-contacts N] [--sync-entries 100000]
//     [--only build,seed,core,http,slapd,ldap,sync] [--keep DIR]
// BENCH_QUICK=1: 100,000 contacts, 50,000 lookups, 20,000 entries to sync, one run each.
// Every run waits until the machine is quiet and is repeated (3 attempts) if others used more
// than 0.25 cores meanwhile: the standard machine is shared.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from 'ldapts';
import pino from 'pino';
import type { CoreContext } from '../packages/server/src/core/context.js';
import { connectorFor } from '../packages/server/src/directory/connectors.js';
import { LocalFiles } from '../packages/server/src/directory/local-files.js';
import type { SourceRow, StoredContact } from '../packages/server/src/directory/model.js';
import type { DirectoryRepository } from '../packages/server/src/directory/repository.js';
import { DirectoryService, normalizeContact, planKey, planOf } from '../packages/server/src/directory/service.js';
import type { DirectorySource, SourceContact } from '../packages/server/src/directory/source.js';
import { normalize, prefixesOf, switchboardCandidates } from '../packages/server/src/lib/phone-number.js';
import { ConfigSchema } from '../packages/server/src/platform/config/schema.js';
import { OutboundPolicy } from '../packages/server/src/platform/outbound.js';
import type { SecretSealer } from '../packages/server/src/platform/secrets.js';
import { generatePeopleLdif, ldifLine, PEOPLE_DN, startSlapd } from '../packages/server/test/support/slapd.js';
import { contactsLdif, DirectoryData } from './directory-data.js';
import { type LdapRaceRow, ldapRace, ldapRaceTable } from './directory-ldap.js';
import {
  login,
  machineBusySeconds,
  PASSWORD,
  processCpuSeconds,
  processRssBytes,
  seed,
  startServer,
  stopChild,
  tempData,
} from './lib.js';

const SELF = fileURLToPath(import.meta.url);
const QUICK = process.env.BENCH_QUICK === '1';
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: QUICK ? '100000' : '1000000' },
    lookups: { type: 'string', default: QUICK ? '50000' : '200000' },
    runs: { type: 'string', default: QUICK ? '1' : '3' },
    seconds: { type: 'string', default: QUICK ? '5' : '10' },
    connections: { type: 'string', default: '32' },
    'slapd-contacts': { type: 'string' },
    'sync-entries': { type: 'string', default: QUICK ? '20000' : '100000' },
    only: { type: 'string', default: 'build,seed,core,http,slapd,ldap,sync' },
    keep: { type: 'string' },
    // Internal: the phase a child process runs, and what it needs.
    phase: { type: 'string' },
    run: { type: 'string', default: '0' },
    dir: { type: 'string' },
    slapd: { type: 'string' },
  },
});
const N = Number(values.contacts);
const LOOKUPS = Number(values.lookups);
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SLAPD_N = Number(values['slapd-contacts'] ?? N);
const SYNC_N = Number(values['sync-entries']);
const RUN = Number(values.run);
const PLAN = planOf({ country: 'DE', areaCode: '711', numbering: null });
const DOMAIN = 'dir.bench.test';
/** The attributes a reverse lookup over LDAP asks for: what a candidate shows. */
const LDAP_ATTRIBUTES = ['cn', 'givenName', 'sn', 'o', 'ou', 'title', 'mail', 'telephoneNumber'];

const log = (msg: string) => console.error(`[directory${values.phase ? `:${values.phase}` : ''}] ${msg}`);
const s = (ms: number) => (ms / 1000).toFixed(1);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
};

/** p50, p99 and max of per-call nanoseconds, in µs. */
function micros(ns: Float64Array) {
  const sorted = Float64Array.from(ns).sort();
  const at = (p: number) => (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) / 1000;
  return { p50: at(50), p99: at(99), max: (sorted.at(-1) ?? 0) / 1000 };
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run the phases with --expose-gc');
  for (let i = 0; i < 3; i++) g();
}

function memory() {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/** Samples this process's RSS every 50 ms while `fn` runs; the peak. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await fn();
    return { result, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * `fn` over every number: once untimed (lookups/s on this one core) and once timing each call
 * with process.hrtime.bigint (p50/p99 per lookup; the timer itself costs well under 0.1 µs).
 */
async function measure(sets: Lookups, fn: (n: string) => unknown, async: boolean) {
  const { throughput, latency } = sets;
  let t0 = process.hrtime.bigint();
  if (async) for (const n of throughput) await fn(n);
  else for (const n of throughput) fn(n);
  const perSecond = throughput.length / (Number(process.hrtime.bigint() - t0) / 1e9);
  const ns = new Float64Array(latency.length);
  for (let i = 0; i < latency.length; i++) {
    const n = latency[i] as string;
    t0 = process.hrtime.bigint();
    if (async) await fn(n);
    else fn(n);
    ns[i] = Number(process.hrtime.bigint() - t0);
  }
  return { perSecond, ...micros(ns) };
}

type Measured = Awaited<ReturnType<typeof measure>>;

/**
 * Numbers to look up, distinct between runs and from the warm-up's: one set timed as a whole
 * (lookups/s), another timed call by call (so no lookup is answered from the result cache).
 */
interface Lookups {
  throughput: string[];
  latency: string[];
}
const numbersAt = (data: DirectoryData, from: number, count: number) => data.lookups(from, count).map((l) => l.number);
const lookupsOf = (data: DirectoryData, run: number, count: number): Lookups => ({
  throughput: numbersAt(data, 1_000_000 + run * 2 * count, count),
  latency: numbersAt(data, 1_000_000 + run * 2 * count + count, count),
});
const warmupOf = (data: DirectoryData, count: number) => numbersAt(data, 0, count);

/* ------------------------------------------------------------------------------------------------
 * Phases (each in a child process)
 * --------------------------------------------------------------------------------------------- */

/** A DirectoryService whose store is memory: the tenant, one source and its stored contacts. */
function memoryService(contacts: StoredContact[]): DirectoryService {
  const tenant = { id: 't', domains: [DOMAIN], name: DOMAIN, country: 'DE', areaCode: '711', numbering: null };
  const now = Date.now();
  const source: SourceRow = {
    id: 'crm',
    tenantId: 't',
    name: 'crm',
    kind: 'file',
    priority: 100,
    config: {},
    secretSealed: null,
    scheduleSeconds: null,
    visibleTo: null,
    state: 'ok',
    cursor: null,
    entries: contacts.length,
    invalidNumbers: 0,
    lastSyncAt: now,
    lastFullSyncAt: now,
    lastError: null,
    report: null,
    progress: null,
    numbering: planKey(planOf(tenant)),
    createdAt: now,
    updatedAt: now,
  };
  const ctx = {
    store: {
      repos: {
        tenants: { get: async () => tenant },
        users: { list: async () => [] },
      },
    },
    bus: { publish: async () => undefined },
    clock: { now: () => Date.now() },
    log: pino({ level: 'warn' }),
  } as unknown as CoreContext;
  const secrets: SecretSealer = {
    seal: () => {
      throw new Error('no secrets here');
    },
    open: () => {
      throw new Error('no secrets here');
    },
  };
  // The bench reads no local files and connects nowhere; the limits are the defaults a server runs with.
  const local = new LocalFiles({ folders: [], privateFolders: [], privateFiles: [] });
  const outbound = new OutboundPolicy([]);
  const repo = {
    sources: async () => [source],
    async *entries() {
      for (let i = 0; i < contacts.length; i += 5000) yield contacts.slice(i, i + 5000);
    },
  } as unknown as DirectoryRepository;
  return new DirectoryService(ctx, repo, {
    secrets,
    connect: (s, secret) => connectorFor(s, secret, { outbound }),
    local,
    limits: ConfigSchema.parse({}).directory.limits,
  });
}

async function phaseBuild() {
  const data = new DirectoryData(N);
  const base = memory();
  let t0 = performance.now();
  let source: SourceContact[] = [];
  for (let i = 0; i < N; i++) source.push(data.contact(i));
  const generateMs = performance.now() - t0;
  log(`generated ${N} contacts in ${s(generateMs)} s`);
  t0 = performance.now();
  let invalid = 0;
  let numbers = 0;
  const stored = source.map((c) => {
    const r = normalizeContact(c, PLAN);
    invalid += r.invalid.length;
    numbers += c.numbers.length;
    return r.contact;
  });
  const normalizeMs = performance.now() - t0;
  source = [];
  // The generator knows what each number must become: count where normalization disagrees.
  let mismatches = 0;
  for (let i = 0; i < N; i++) {
    const want = data.numbers(i);
    (stored[i] as StoredContact).numbers.forEach((got, k) => {
      if (got.e164 !== want[k]?.e164 || Boolean(got.block) !== Boolean(want[k]?.block)) mismatches++;
    });
  }
  const service = memoryService(stored);
  t0 = performance.now();
  const index = await service.tenant('t').index();
  const indexMs = performance.now() - t0;
  const mem = memory();
  log(`normalized ${numbers} numbers in ${s(normalizeMs)} s, index in ${s(indexMs)} s, heap ${mib(mem.heap)} MiB`);

  const viewer = { userId: 'u', role: 'user' };
  const warm = warmupOf(data, 20_000);
  for (const n of warm) {
    const r = normalize(n, PLAN);
    if (r.ok) index.lookup(r.e164);
    await service.tenant('t').lookup(n, viewer);
  }
  const numbersToLook = lookupsOf(data, RUN, LOOKUPS);
  // How the mix came out: exact hits, company (switchboard or block) found, nothing found.
  const mix = { exact: 0, company: 0, prefix: 0, none: 0 };
  for (const n of numbersToLook.latency) {
    const r = normalize(n, PLAN);
    const first = r.ok ? index.lookup(r.e164)[0] : undefined;
    mix[first?.match ?? 'none']++;
  }
  const e164 = (list: string[]) => list.map((n) => normalize(n, PLAN)).flatMap((r) => (r.ok ? [r.e164] : []));
  const indexOnly = await measure(
    { throughput: e164(numbersToLook.throughput), latency: e164(numbersToLook.latency) },
    (n) => index.lookup(n),
    false,
  );
  const normalizeOnly = await measure(numbersToLook, (n) => normalize(n, PLAN), false);
  // As the service does it: the index tells normalize() which numbers it holds.
  const indexLookup = await measure(
    numbersToLook,
    (n) => {
      const r = normalize(n, PLAN, index);
      return r.ok ? index.lookup(r.e164) : null;
    },
    false,
  );
  const serviceLookup = await measure(numbersToLook, (n) => service.tenant('t').lookup(n, viewer), true);
  return {
    contacts: N,
    numbers,
    invalid,
    mismatches,
    generateMs,
    normalizeMs,
    indexMs,
    heapMiB: mib(mem.heap - base.heap),
    rssMiB: mib(mem.rss),
    mix,
    indexOnly,
    normalizeOnly,
    indexLookup,
    serviceLookup,
  };
}

/** Seeds a data folder: tenant, a user to log in with, and N contacts synced into a file source. */
async function phaseSeed() {
  const dir = values.dir as string;
  const data = new DirectoryData(N);
  let out: Record<string, unknown> = {};
  await seed(dir, async (core) => {
    const tenant = await core.tenants.create({ domain: DOMAIN, country: 'DE', areaCode: '711' });
    const { user } = await core.users.create(tenant.id, { local: 'bench', domain: DOMAIN, password: PASSWORD });
    await core.directory.sources.create(tenant.id, { name: 'crm', kind: 'file', config: {} });
    // A connector like a CRM export: the generated contacts in batches of 1,000.
    const contacts: DirectorySource = {
      async *sync(ctx) {
        for (let i = 0; i < N; i += 1000) {
          const batch: SourceContact[] = [];
          for (let j = i; j < Math.min(N, i + 1000); j++) batch.push(data.contact(j));
          ctx.progress(i + batch.length, N);
          yield batch;
        }
        return { full: true, cursor: null };
      },
      async test() {},
    };
    const base = memory();
    const t0 = performance.now();
    const { result: summary, peak } = await peakRss(() => core.directory.sync.run(tenant.id, 'crm', { contacts }));
    const ms = performance.now() - t0;
    log(`synced ${summary.entries} contacts into SQLite in ${s(ms)} s`);
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ tenantId: tenant.id, userId: user.id, role: user.role }));
    out = {
      entries: summary.entries,
      invalid: summary.invalidNumbers,
      ms,
      peakRssMiB: mib(peak),
      baseRssMiB: mib(base.rss),
    };
  });
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const bytes = files.reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
  return { ...out, dataMiB: mib(bytes) };
}

/** openCore on the seeded folder: index build from the store, then core.directory.lookup. */
async function phaseCore() {
  const dir = values.dir as string;
  const meta = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as {
    tenantId: string;
    userId: string;
    role: string;
  };
  const data = new DirectoryData(N);
  let out: Record<string, unknown> = {};
  await seed(dir, async (core) => {
    const base = memory();
    const t0 = performance.now();
    const index = await core.directory.tenant(meta.tenantId).index();
    const buildMs = performance.now() - t0;
    const mem = memory();
    log(
      `index of ${index.size} contacts built from the store in ${s(buildMs)} s, heap +${mib(mem.heap - base.heap)} MiB`,
    );
    const viewer = { userId: meta.userId, role: meta.role };
    for (const n of warmupOf(data, 20_000)) await core.directory.tenant(meta.tenantId).lookup(n, viewer);
    const numbers = lookupsOf(data, RUN, LOOKUPS);
    const lookup = await measure(numbers, (n) => core.directory.tenant(meta.tenantId).lookup(n, viewer), true);
    out = { buildMs, heapMiB: mib(mem.heap - base.heap), rssMiB: mib(mem.rss), lookup };
  });
  return out;
}

/** The same lookups over LDAP: an equality search; on a miss, the company search as one OR filter. */
async function phaseSlapd() {
  const data = new DirectoryData(SLAPD_N);
  let t0 = performance.now();
  let ldif = contactsLdif(data, SLAPD_N, PEOPLE_DN, ldifLine);
  const ldifMs = performance.now() - t0;
  const ldifMiB = mib(ldif.length);
  log(`LDIF of ${SLAPD_N} entries (${ldifMiB} MiB) in ${s(ldifMs)} s; slapadd …`);
  t0 = performance.now();
  const slapd = await startSlapd({ entries: ldif, maxSize: 32 * 1024 ** 3, timeoutMs: 3_600_000 });
  const loadMs = performance.now() - t0;
  ldif = '';
  log(`slapd with ${SLAPD_N} entries up in ${s(loadMs)} s`);
  const pid = slapd.pid ?? 0;
  const connect = async () => {
    const client = new Client({ url: slapd.url, timeout: 30_000 });
    await client.bind(slapd.reader.dn, slapd.reader.password);
    return client;
  };
  const lookup = async (client: Client, number: string) => {
    const n = normalize(number, PLAN);
    if (!n.ok) return 0;
    const exact = await client.search(PEOPLE_DN, {
      scope: 'one',
      filter: `(telephoneNumber=${n.e164})`,
      attributes: LDAP_ATTRIBUTES,
    });
    if (exact.searchEntries.length > 0) return 1;
    // The company search: switchboards (last 1–3 digits → 0), blocks (`prefix` + 0) and prefixes.
    const terms = new Set(switchboardCandidates(n.e164));
    for (const p of prefixesOf(n.e164)) {
      if (p === n.e164) continue;
      terms.add(`${p}0`);
      terms.add(p);
    }
    const company = await client.search(PEOPLE_DN, {
      scope: 'one',
      filter: `(|${[...terms].map((t) => `(telephoneNumber=${t})`).join('')})`,
      attributes: LDAP_ATTRIBUTES,
    });
    return company.searchEntries.length > 0 ? 2 : 3;
  };
  const one = await connect();
  const warm = warmupOf(data, 5000);
  for (const n of warm) await lookup(one, n);
  const numbers = lookupsOf(data, RUN, Math.min(LOOKUPS, 50_000));
  // One client, one request at a time: latency.
  const found = [0, 0, 0, 0];
  for (const n of numbersAt(data, 30_000_000, 5000)) {
    const k = await lookup(one, n);
    found[k] = (found[k] ?? 0) + 1;
  }
  let cpu0 = processCpuSeconds(pid);
  const sequential = await measure(numbers, (n) => lookup(one, n), true);
  const sequentialCpu = processCpuSeconds(pid) - cpu0;
  const sequentialCount = numbers.throughput.length + numbers.latency.length;
  // 32 clients at once, each one request at a time: throughput, and slapd's CPU per lookup.
  const clients = await Promise.all(Array.from({ length: 32 }, connect));
  // Numbers not looked up before (slapd has a cache of entries and index slots too).
  const concurrent = numbersAt(data, 40_000_000 + RUN * 100_000, 100_000);
  let next = 0;
  cpu0 = processCpuSeconds(pid);
  const client0 = process.cpuUsage();
  t0 = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (next < concurrent.length) await lookup(c, concurrent[next++] as string);
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const slapdCpu = processCpuSeconds(pid) - cpu0;
  const clientCpu = process.cpuUsage(client0);
  const rss = processRssBytes(pid);
  for (const c of [one, ...clients]) await c.unbind();
  await slapd.stop();
  return {
    entries: SLAPD_N,
    ldifMiB,
    loadMs,
    slapdRssMiB: mib(rss),
    mix: { exact: found[1], company: found[2], none: found[3] },
    sequential: { ...sequential, slapdCpuPerLookupUs: (sequentialCpu / sequentialCount) * 1e6 },
    concurrent: {
      clients: clients.length,
      perSecond: concurrent.length / elapsed,
      slapdCores: slapdCpu / elapsed,
      slapdPerCoreSecond: concurrent.length / slapdCpu,
      clientCores: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
    },
  };
}

/** A full sync of the slapd at --slapd (url, reader) into a fresh data folder. */
async function phaseSync() {
  const target = JSON.parse(values.slapd as string) as { url: string; dn: string; password: string; pid: number };
  const dir = values.dir as string;
  let out: Record<string, unknown> = {};
  await seed(dir, async (core) => {
    const tenant = await core.tenants.create({ domain: DOMAIN, country: 'DE', areaCode: '711' });
    await core.directory.sources.create(tenant.id, {
      name: 'ldap',
      kind: 'ldap',
      config: { url: target.url, bindDn: target.dn, baseDn: PEOPLE_DN },
      secret: target.password,
    });
    const base = memory();
    const cpu0 = processCpuSeconds(process.pid);
    const slapdCpu0 = processCpuSeconds(target.pid);
    const t0 = performance.now();
    const { result: summary, peak } = await peakRss(() => core.directory.sync.run(tenant.id, 'ldap', { full: true }));
    const ms = performance.now() - t0;
    out = {
      entries: summary.entries,
      invalid: summary.invalidNumbers,
      ms,
      baseRssMiB: mib(base.rss),
      peakRssMiB: mib(peak),
      cpuS: processCpuSeconds(process.pid) - cpu0,
      slapdCpuS: processCpuSeconds(target.pid) - slapdCpu0,
    };
    log(`synced ${summary.entries} LDAP entries in ${s(ms)} s, peak RSS ${mib(peak)} MiB`);
  });
  return out;
}

/* ------------------------------------------------------------------------------------------------
 * Orchestration
 * --------------------------------------------------------------------------------------------- */

/** Runs a phase in a child process (--expose-gc, room for a 1M-contact heap); its result. */
function child<T>(phase: string, args: string[] = []): Promise<T> {
  const proc: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=16384', '--import', 'tsx', SELF, '--phase', phase, ...args],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  let stdout = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as T);
      else reject(new Error(`phase ${phase} exited with ${code}`));
    });
  });
}

const common = () => ['--contacts', String(N), '--lookups', String(LOOKUPS), '--slapd-contacts', String(SLAPD_N)];

/** Benchmarks, servers and test runs of others on this machine (not ours): their command lines. */
function othersRunning(): string[] {
  const mine = new Set([process.pid, process.ppid]);
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || mine.has(Number(pid))) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes('bench/directory') || cmd.includes('bench:directory')) continue;
      if (/bench\/\w+\.ts|bench:\w+|parley\.js serve|run-tests|node --test/.test(cmd)) {
        found.push(`${pid} ${cmd.trim().slice(0, 100)}`);
      }
    } catch {
      // gone
    }
  }
  return found;
}

/**
 * Waits until the machine is quiet: under 0.25 busy cores over 3 s while this process is idle
 * (polling every 30 s, at most 20 min); then measures anyway and says what else was running.
 */
async function quiet(what: string): Promise<string | null> {
  const until = Date.now() + 20 * 60_000;
  for (;;) {
    const busy0 = machineBusySeconds();
    await new Promise((r) => setTimeout(r, 3000));
    const busy = (machineBusySeconds() - busy0) / 3;
    if (busy < 0.25) return null;
    const others = othersRunning();
    const who = `${busy.toFixed(2)} cores busy${others.length ? `:\n  ${others.join('\n  ')}` : ''}`;
    if (Date.now() > until) {
      log(`the machine is still busy; measuring ${what} anyway (${who})`);
      return who.replaceAll('\n  ', '; ');
    }
    log(`waiting for the machine to be quiet before ${what} (${who})`);
    await new Promise((r) => setTimeout(r, 27_000));
  }
}

/** CPU seconds of this process and of every child it has waited for (with their children). */
function treeCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
}

/** Busy cores of the machine not ours, per run measured: what the report says about noise. */
const noise: { what: string; cores: number }[] = [];

/**
 * Runs one measurement once the machine is quiet, and again (at most 3 times in all) if other
 * processes used more than 0.25 cores meanwhile. `ours` gives the CPU seconds of our children that
 * are still running (a server, slapd); those that ended are counted through /proc/self/stat.
 */
async function guarded<T>(what: string, fn: () => Promise<T>, ours: () => number = () => 0): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const waited = await quiet(what);
    const busy0 = machineBusySeconds();
    const tree0 = treeCpuSeconds();
    const ours0 = ours();
    const t0 = performance.now();
    const result = await fn();
    const wall = (performance.now() - t0) / 1000;
    const others = (machineBusySeconds() - busy0 - (treeCpuSeconds() - tree0) - (ours() - ours0)) / wall;
    if (others <= 0.25 || attempt === 3) {
      noise.push({ what: waited ? `${what} (machine busy before: ${waited})` : what, cores: Math.max(0, others) });
      return result;
    }
    log(`${what}: other processes used ${others.toFixed(2)} cores meanwhile; measuring again`);
  }
}

/** Server CPU µs per request of a run. */
const cpuPerRequest = (r: HttpRun) => (r.serverCpu * r.seconds * 1e6) / r.requests;

/** What wrk (or the Node fallback) measured in one run. */
interface HttpRun {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  bad: number;
  serverCpu: number;
}

const WRK_SCRIPT = `
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT {\\"requests\\":%d,\\"us\\":%d,\\"p50\\":%d,\\"p99\\":%d,\\"bad\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
`;

const hasWrk = () => spawnSync('wrk', ['--version']).error === undefined;

/** `seconds` of GETs of `paths` (one per line in `file`) over `connections` keep-alive connections. */
async function load(url: string, token: string, file: string, paths: string[], seconds: number): Promise<HttpRun> {
  if (hasWrk()) {
    const script = join(file, '..', 'lookup.lua');
    writeFileSync(script, WRK_SCRIPT);
    const r = spawnSync(
      'wrk',
      [
        '-t1',
        `-c${CONNECTIONS}`,
        `-d${seconds}s`,
        '--timeout',
        '10s',
        '-H',
        `Authorization: Bearer ${token}`,
        '-s',
        script,
        url,
        '--',
        file,
      ],
      { encoding: 'utf8' },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`wrk: ${r.stdout}${r.stderr}`);
    const w = JSON.parse(line.slice(7)) as { requests: number; us: number; p50: number; p99: number; bad: number };
    return {
      requests: w.requests,
      seconds: w.us / 1e6,
      p50: w.p50 / 1000,
      p99: w.p99 / 1000,
      bad: w.bad,
      serverCpu: 0,
    };
  }
  // Fallback: a Node client (slower than wrk, so it may be what limits the rate).
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  let bad = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get(`${url}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        const status = await get(paths[next++ % paths.length] as string).catch(() => 0);
        latencies.push(performance.now() - start);
        if (status !== 200) bad++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.floor((p / 100) * latencies.length)] ?? 0;
  return {
    requests: latencies.length,
    seconds: (performance.now() - t0) / 1000,
    p50: at(50),
    p99: at(99),
    bad,
    serverCpu: 0,
  };
}

/**
 * node:http alone on a loopback port, answering every request with `body`: the same wrk against it
 * shows what an HTTP request costs on this machine today, which moves a lot from day to day.
 */
async function startBare(body: string): Promise<{ url: string; cpuSeconds(): number; stop(): Promise<void> }> {
  const code = `const body = process.env.BARE_BODY;
require('node:http').createServer((req, res) => {
  req.resume();
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(body);
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ['-e', code], {
    env: { ...process.env, BARE_BODY: body },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (c) => reject(new Error(`bare node:http server exited with ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuSeconds: () => processCpuSeconds(child.pid ?? 0),
    stop: () => stopChild(child),
  };
}

async function phaseHttp(dir: string, work: string) {
  const meta = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as { tenantId: string };
  const data = new DirectoryData(N);
  const server = await startServer(dir);
  try {
    const token = await login(server.url, `bench@${DOMAIN}`, PASSWORD);
    const lookupUrl = (n: string) => `/api/v1/directory/lookup?number=${encodeURIComponent(n)}`;
    // The server builds the tenant's index at start; a lookup that comes before it is ready waits.
    const t0 = performance.now();
    const first = await fetch(`${server.url}${lookupUrl('+49 711 123456')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!first.ok) throw new Error(`lookup: ${first.status} ${await first.text()}`);
    const firstMs = performance.now() - t0;
    log(`first lookup (tenant ${meta.tenantId}, index built at start) took ${s(firstMs)} s`);
    const hit = data.lookups(0, 50).find((l) => l.hit);
    const checkBody = await (
      await fetch(`${server.url}${lookupUrl(hit?.number ?? '')}`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    const check = JSON.parse(checkBody) as { candidates: { match: string; display: string }[] };
    if (check.candidates[0]?.match !== 'exact') throw new Error(`expected an exact hit: ${JSON.stringify(check)}`);
    const bare = await startBare(checkBody);
    const runs: HttpRun[] = [];
    const bareRuns: HttpRun[] = [];
    for (let run = -1; run < RUNS; run++) {
      // Run -1 warms up (JIT, connections); each run looks up numbers of its own.
      const paths = (run < 0 ? warmupOf(data, 50_000) : numbersAt(data, 50_000_000 + run * 500_000, 500_000)).map(
        lookupUrl,
      );
      const file = join(work, `paths-${run}.txt`);
      writeFileSync(file, `${paths.join('\n')}\n`);
      const once = async (target: { url: string; cpuSeconds(): number }) => {
        const cpu0 = target.cpuSeconds();
        const t = performance.now();
        const r = await load(target.url, token, file, paths, run < 0 ? 5 : SECONDS);
        r.serverCpu = (target.cpuSeconds() - cpu0) / ((performance.now() - t) / 1000);
        return r;
      };
      const both = () => server.cpuSeconds() + bare.cpuSeconds();
      // Parley, then node:http alone under the same load right after it.
      for (const [name, target, into] of [
        ['Parley', server, runs],
        ['node:http alone', bare, bareRuns],
      ] as const) {
        const r = run < 0 ? await once(target) : await guarded(`http ${name} ${run + 1}`, () => once(target), both);
        if (run >= 0) into.push(r);
        log(
          `${name} ${run < 0 ? 'warm-up' : `run ${run + 1}`}: ${Math.round(r.requests / r.seconds)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.bad} failed, server ${r.serverCpu.toFixed(2)} cores`,
        );
      }
    }
    await bare.stop();
    return { firstMs, runs, bareRuns, generator: hasWrk() ? 'wrk' : 'node' };
  } finally {
    await server.stop();
  }
}

async function main() {
  const phase = values.phase;
  if (phase) {
    const fn = { build: phaseBuild, seed: phaseSeed, core: phaseCore, slapd: phaseSlapd, sync: phaseSync }[phase];
    if (!fn) throw new Error(`unknown phase ${phase}`);
    const result = await fn();
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const only = new Set(String(values.only).split(','));
  const started = performance.now();
  const work = tempData('parley-bench-directory-');
  const dir = values.keep ?? join(work.dir, 'data');
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const print = (...lines: string[]) => {
    out.push(...lines);
    console.log(lines.join('\n'));
  };
  const f = (x: number, digits = 1) =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
  const results: Record<string, unknown> = {};
  try {
    print(`# Directory benchmark: ${n0(N)} contacts, ${n0(LOOKUPS)} lookups per run, ${RUNS} run(s)`, '');

    type Build = Awaited<ReturnType<typeof phaseBuild>>;
    const build: Build[] = [];
    if (only.has('build')) {
      for (let run = 0; run < RUNS; run++) {
        build.push(await guarded(`build ${run + 1}`, () => child<Build>('build', [...common(), '--run', String(run)])));
      }
      results.build = build;
      const b = build[0] as Build;
      const med = (fn: (x: Build) => number) => median(build.map(fn));
      const layer = (name: string, pick: (x: Build) => Measured) =>
        `| ${name} | ${n0(med((x) => pick(x).perSecond))} | ${f(
          med((x) => pick(x).p50),
          2,
        )} | ${f(
          med((x) => pick(x).p99),
          2,
        )} |`;
      print(
        `## In process (${n0(b.contacts)} contacts, ${n0(b.numbers)} numbers, ${n0(b.invalid)} not understood, ${n0(b.mismatches)} not normalized as expected)`,
        '',
        `Mix of run 1: ${n0(b.mix.exact)} exact, ${n0(b.mix.company)} company, ${n0(b.mix.prefix)} prefix, ${n0(b.mix.none)} nothing found.`,
        '',
        '| build | median s |',
        '|---|---|',
        `| generate contacts (not Parley) | ${f(med((x) => x.generateMs) / 1000)} |`,
        `| normalizeContact, all numbers | ${f(med((x) => x.normalizeMs) / 1000)} |`,
        `| index build (DirectoryService.index) | ${f(med((x) => x.indexMs) / 1000)} |`,
        `| heap of the index (after GC) | ${n0(med((x) => x.heapMiB))} MiB |`,
        `| RSS after GC | ${n0(med((x) => x.rssMiB))} MiB |`,
        '',
        '| lookup, one core | lookups/s | p50 µs | p99 µs |',
        '|---|---|---|---|',
        layer('TenantIndex.lookup (number already E.164)', (x) => x.indexOnly),
        layer('normalize only', (x) => x.normalizeOnly),
        layer('normalize (known numbers from the index) + TenantIndex.lookup', (x) => x.indexLookup),
        layer('DirectoryService.lookup, in-memory store', (x) => x.serviceLookup),
      );
    }

    type Seed = { entries: number; ms: number; peakRssMiB: number; baseRssMiB: number; dataMiB: number };
    const needSeed = only.has('seed') || only.has('core') || only.has('http');
    if (needSeed && !existsSync(join(dir, 'bench.json'))) {
      const r = await guarded('seed', () => child<Seed>('seed', [...common(), '--dir', dir]));
      results.seed = r;
      print(
        '',
        `Sync of ${n0(r.entries)} contacts into SQLite (DirectoryService.sync, one run): ${f(r.ms / 1000)} s, peak RSS ${n0(r.peakRssMiB)} MiB (from ${n0(r.baseRssMiB)}), data folder ${n0(r.dataMiB)} MiB.`,
      );
    }

    type CoreRun = { buildMs: number; heapMiB: number; rssMiB: number; lookup: Measured };
    if (only.has('core')) {
      const runs: CoreRun[] = [];
      for (let run = 0; run < RUNS; run++) {
        const args = [...common(), '--dir', dir, '--run', String(run)];
        runs.push(await guarded(`core ${run + 1}`, () => child<CoreRun>('core', args)));
      }
      results.core = runs;
      const med = (fn: (x: CoreRun) => number) => median(runs.map(fn));
      print(
        '',
        `Through the core (openCore on the SQLite folder): index built from the store in ${f(med((x) => x.buildMs) / 1000)} s, heap +${n0(med((x) => x.heapMiB))} MiB, RSS ${n0(med((x) => x.rssMiB))} MiB.`,
        '',
        '| lookup, one core | lookups/s | p50 µs | p99 µs |',
        '|---|---|---|---|',
        `| core.directory.lookup (SQLite store) | ${n0(med((x) => x.lookup.perSecond))} | ${f(
          med((x) => x.lookup.p50),
          2,
        )} | ${f(
          med((x) => x.lookup.p99),
          2,
        )} |`,
      );
    }

    if (only.has('http')) {
      const r = await phaseHttp(dir, work.dir);
      results.http = r;
      const rates = r.runs.map((x) => x.requests / x.seconds);
      print(
        '',
        `## HTTP (${r.generator}, 1 thread, ${CONNECTIONS} connections, ${SECONDS} s per run; first lookup after the start ${f(r.firstMs / 1000)} s)`,
        '',
        '| run | lookups/s | p50 ms | p99 ms | failed | server cores |',
        '|---|---|---|---|---|---|',
        ...r.runs.map(
          (x, i) =>
            `| ${i + 1} | ${n0(x.requests / x.seconds)} | ${f(x.p50, 2)} | ${f(x.p99, 2)} | ${x.bad} | ${f(x.serverCpu, 2)} |`,
        ),
        `| median | ${n0(median(rates))} | ${f(median(r.runs.map((x) => x.p50)), 2)} | ${f(median(r.runs.map((x) => x.p99)), 2)} | | |`,
        '',
        'The same load on node:http alone (one fixed lookup answer, right after each run above), and Parley against it:',
        '',
        '| run | node:http alone lookups/s | its CPU µs per request | Parley CPU µs per request | Parley ÷ node:http |',
        '|---|---|---|---|---|',
        ...r.bareRuns.map((b, i) => {
          const p = r.runs[i] as HttpRun;
          return `| ${i + 1} | ${n0(b.requests / b.seconds)} | ${n0(cpuPerRequest(b))} | ${n0(cpuPerRequest(p))} | ${f(p.requests / p.seconds / (b.requests / b.seconds), 2)} |`;
        }),
      );
    }

    type SlapdRun = Awaited<ReturnType<typeof phaseSlapd>>;
    const slapd: SlapdRun[] = [];
    if (only.has('slapd')) {
      for (let run = 0; run < RUNS; run++) {
        const args = [...common(), '--run', String(run)];
        slapd.push(await guarded(`slapd ${run + 1}`, () => child<SlapdRun>('slapd', args)));
      }
      results.slapd = slapd;
      const med = (fn: (x: SlapdRun) => number) => median(slapd.map(fn));
      const m = (slapd[0] as SlapdRun).mix;
      print(
        '',
        `## slapd (${n0(SLAPD_N)} entries, back-mdb, telephoneNumber eq index; ldapts client)`,
        '',
        `slapadd -q and start: ${f(med((x) => x.loadMs) / 1000)} s for ${n0(med((x) => x.ldifMiB))} MiB of LDIF; slapd RSS after the runs ${n0(med((x) => x.slapdRssMiB))} MiB. Mix of 5,000 lookups: ${m.exact} exact, ${m.company} company, ${m.none} nothing.`,
        '',
        '| LDAP lookup | lookups/s | p50 µs | p99 µs | slapd CPU µs/lookup | slapd lookups per CPU-second |',
        '|---|---|---|---|---|---|',
        `| 1 client, sequential | ${n0(med((x) => x.sequential.perSecond))} | ${f(med((x) => x.sequential.p50))} | ${f(med((x) => x.sequential.p99))} | ${f(med((x) => x.sequential.slapdCpuPerLookupUs))} | ${n0(1e6 / med((x) => x.sequential.slapdCpuPerLookupUs))} |`,
        `| 32 clients | ${n0(med((x) => x.concurrent.perSecond))} | | | ${f(1e6 / med((x) => x.concurrent.slapdPerCoreSecond))} | ${n0(med((x) => x.concurrent.slapdPerCoreSecond))} |`,
      );
    }

    type SyncRun = {
      entries: number;
      invalid: number;
      ms: number;
      baseRssMiB: number;
      peakRssMiB: number;
      cpuS: number;
      slapdCpuS: number;
    };
    // LDAP to LDAP: Parley's LDAP phone book against slapd (bench/directory-ldap.ts).
    if (only.has('ldap')) {
      const race = { contacts: SLAPD_N, seconds: SECONDS, connections: Math.min(CONNECTIONS, 16), log };
      results.ldap = await guarded('ldap', () => ldapRace(race));
      print('', ...ldapRaceTable(results.ldap as LdapRaceRow[], race));
    }

    if (only.has('sync')) {
      log(`generating ${SYNC_N} people (generatePeopleLdif) and loading slapd …`);
      const { ldif } = generatePeopleLdif(SYNC_N, 7);
      const server = await startSlapd({ entries: ldif, maxSize: 8 * 1024 ** 3, timeoutMs: 1_800_000 });
      try {
        const runs: SyncRun[] = [];
        const target = JSON.stringify({
          url: server.url,
          dn: server.reader.dn,
          password: server.reader.password,
          pid: server.pid,
        });
        for (let run = 0; run < RUNS; run++) {
          const into = join(work.dir, `sync-${run}`);
          const once = async () => {
            rmSync(into, { recursive: true, force: true });
            mkdirSync(into);
            return child<SyncRun>('sync', ['--dir', into, '--slapd', target]);
          };
          runs.push(await guarded(`sync ${run + 1}`, once, () => processCpuSeconds(server.pid ?? 0)));
          rmSync(into, { recursive: true, force: true });
        }
        results.sync = runs;
        const med = (fn: (x: SyncRun) => number) => median(runs.map(fn));
        print(
          '',
          `## Full LDAP sync (${n0(SYNC_N)} entries of generatePeopleLdif, LdapSource paged 500, into SQLite)`,
          '',
          '| run | entries | not understood | s | peak RSS MiB | RSS before MiB | Parley CPU s | slapd CPU s |',
          '|---|---|---|---|---|---|---|---|',
          ...runs.map(
            (x, i) =>
              `| ${i + 1} | ${n0(x.entries)} | ${n0(x.invalid)} | ${f(x.ms / 1000)} | ${n0(x.peakRssMiB)} | ${n0(x.baseRssMiB)} | ${f(x.cpuS)} | ${f(x.slapdCpuS)} |`,
          ),
          `| median | | | ${f(med((x) => x.ms) / 1000)} | ${n0(med((x) => x.peakRssMiB))} | | | |`,
        );
      } finally {
        await server.stop();
      }
    }

    // The goals of the issue.
    const goals: string[] = [];
    const b = build.length ? median(build.map((x) => x.serviceLookup.perSecond)) : null;
    const core = results.core as CoreRun[] | undefined;
    const corePerSecond = core ? median(core.map((x) => x.lookup.perSecond)) : null;
    const coreP99 = core ? median(core.map((x) => x.lookup.p99)) : null;
    const ldapPerCore = slapd.length ? median(slapd.map((x) => x.concurrent.slapdPerCoreSecond)) : null;
    if (coreP99 !== null)
      goals.push(
        `in-process p99 ≤ 50 µs (core.directory.lookup): ${f(coreP99, 1)} µs — ${coreP99 <= 50 ? 'met' : 'missed'}`,
      );
    if (build.length) {
      const p99 = median(build.map((x) => x.serviceLookup.p99));
      goals.push(
        `in-process p99 ≤ 50 µs (DirectoryService over memory): ${f(p99, 1)} µs — ${p99 <= 50 ? 'met' : 'missed'}`,
      );
    }
    if (ldapPerCore !== null) {
      const layer = (fn: (x: Build) => Measured) => (build.length ? median(build.map((x) => fn(x).perSecond)) : null);
      for (const [name, v] of [
        ['core.directory.lookup', corePerSecond],
        ['DirectoryService over memory', b],
        ['normalize + TenantIndex.lookup', layer((x) => x.indexLookup)],
        ['TenantIndex.lookup alone', layer((x) => x.indexOnly)],
      ] as const) {
        if (v === null) continue;
        const ratio = v / ldapPerCore;
        goals.push(`≥ 100× slapd per core (${name}): ${f(ratio, 1)}× — ${ratio >= 100 ? 'met' : 'missed'}`);
      }
    }
    const h = results.http as { runs: HttpRun[]; bareRuns: HttpRun[] } | undefined;
    if (h) {
      const rate = median(h.runs.map((x) => x.requests / x.seconds));
      const bareRate = median(h.bareRuns.map((x) => x.requests / x.seconds));
      goals.push(
        `HTTP ≥ 10,000 lookups/s: ${n0(rate)}/s — ${rate >= 10_000 ? 'met' : 'missed'} (node:http alone answering one fixed body: ${n0(bareRate)}/s)`,
      );
    }
    print('', '## Goals', '', ...goals.map((g) => `- ${g}`));
    const worst = noise.reduce((a, b) => (b.cores > a.cores ? b : a), { what: '-', cores: 0 });
    print('', `CPU used by other processes during the runs: at most ${f(worst.cores, 2)} cores (${worst.what}).`);
    for (const n of noise) if (n.what.includes('busy before')) print(`Measured on a busy machine: ${n.what}.`);
    print('', `Total run time ${f((performance.now() - started) / 60_000)} min.`);
    console.error(`RAW ${JSON.stringify(results)}`);
  } finally {
    // A --keep folder lies outside the work folder and stays.
    work.remove();
  }
}

await main();
// Clients, timers or slapd hooks must not keep a finished phase alive.
process.exit(0);
