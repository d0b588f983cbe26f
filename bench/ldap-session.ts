// The LDAP phone book's own CPU per search, without sockets: `--contacts` generated contacts
// (bench/directory-data.ts) synced into a throwaway data folder, the core opened in this process,
// and one LdapSession (bound as the phone-book account) fed the searches a desk phone sends
// (`(|(telephoneNumber=N)(mobile=N)(homePhone=N))`, bench/directory-ldap.ts's lookups), one at a
// time, its answers dropped. Then the same numbers through the directory's lookup alone, so the
// difference is the LDAP engine's (reading, filter, entries, BER). CPU time of this process
// (process.cpuUsage): what the machine's other work does not inflate as much as wall time.
//   node --import tsx bench/ldap-session.ts [--contacts 100000] [--searches 100000]
// `--profile FILE` writes a V8 CPU profile of the timed LDAP searches alone (bench/profile-top.ts reads it).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FilterParser, SearchRequest } from 'ldapts';
import pino from 'pino';
import { frameLength } from '../packages/server/src/adapters/ldap/ber.js';
import { ldapBind } from '../packages/server/src/adapters/ldap/bind.js';
import { phonebookOf, sessionLimits } from '../packages/server/src/adapters/ldap/server.js';
import { LdapSession } from '../packages/server/src/adapters/ldap/session.js';
import { closeCore, openCore } from '../packages/server/src/create-server.js';
import { loadConfig } from '../packages/server/src/platform/config/load.js';
import { DirectoryData } from './directory-data.js';
import { ATTRIBUTES, BASE, seedPhonebook } from './directory-ldap.js';
import { benchEnv, tempData } from './lib.js';

const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '100000' },
    searches: { type: 'string', default: '100000' },
    profile: { type: 'string' },
  },
});
const contacts = Number(values.contacts);
const searches = Number(values.searches);
const log = (msg: string) => console.error(`[ldap-session] ${msg}`);

const folder = tempData('parley-bench-ldap-session-');
const config = loadConfig({ env: benchEnv, overrides: { dataDir: folder.dir, 'log.level': 'warn' } });
const core = await openCore({ config, log: pino({ level: 'warn' }) });
try {
  const data = new DirectoryData(contacts);
  const { tenant, secret } = await seedPhonebook(core, data, contacts);
  log(`${contacts} contacts seeded`);
  const numbers = data.lookups(1_000_000, searches + 20_000).map((l) => l.number);
  const binding = await ldapBind(core, null, `cn=phonebook,${BASE}`, secret);
  const limits = config.ldap.limits;
  let answered: (() => void) | null = null;
  let bytes = 0;
  const session = new LdapSession({
    bind: (name, password) => ldapBind(core, null, name, password),
    phonebook: (b) => phonebookOf(core, b),
    send: (buffer) => {
      // A search's entries and its SearchResultDone come in one piece.
      bytes += buffer.length;
      answered?.();
    },
    close: () => {},
    startTls: null,
    tls: false,
    limits: { ...sessionLimits(limits), requestsPerSecond: Number.POSITIVE_INFINITY },
    now: () => Date.now(),
    log: pino({ level: 'warn' }),
  });
  session.binding = binding;
  // The requests as a desk phone encodes them (ldapts), framed as the server's reader frames them.
  const frames = numbers.map((n, i) => {
    const frame = new SearchRequest({
      messageId: (i % 1_000_000) + 1,
      baseDN: BASE,
      filter: FilterParser.parseString(`(|(telephoneNumber=${n})(mobile=${n})(homePhone=${n}))`),
      attributes: ATTRIBUTES,
      sizeLimit: 20,
    }).write();
    if (frameLength(frame, limits.maxMessageBytes) !== frame.length) throw new Error('not one frame');
    return frame;
  });
  const search = (frame: Buffer) =>
    new Promise<void>((resolve) => {
      answered = resolve;
      session.receive(frame);
    });
  const directory = core.directory.tenant(tenant.id);
  const lookup = (n: string) => directory.lookup(n, null).catch(() => null);

  /** `fn`, profiled when --profile is given. */
  const profiled = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (!values.profile) return fn();
    const inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
    try {
      return await fn();
    } finally {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(values.profile, JSON.stringify(profile));
      inspector.disconnect();
    }
  };
  /** CPU µs per call of `fn` over `items`, and calls per second. */
  const measure = async <T>(items: T[], fn: (x: T) => Promise<unknown>) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const x of items) await fn(x);
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuUs: (cpu.user + cpu.system) / items.length,
      perSecond: items.length / ((performance.now() - t0) / 1000),
    };
  };
  // Warm-up (the index answers, the JIT), on numbers the timed part does not ask.
  await measure(frames.slice(searches), search);
  await measure(numbers.slice(searches), lookup);
  // The lookups' cache keeps an answer per number: each part asks other numbers, and in turns.
  const half = searches >> 1;
  const parts = [
    ['LDAP search (session)', () => profiled(() => measure(frames.slice(0, half), search))],
    ['directory lookup alone', () => measure(numbers.slice(half, searches), lookup)],
  ] as const;
  console.log(`| ${contacts.toLocaleString('en-US')} contacts | CPU µs per call | calls/s |`);
  console.log('|---|---|---|');
  for (const [name, run] of parts) {
    const r = await run();
    console.log(`| ${name} | ${r.cpuUs.toFixed(1)} | ${Math.round(r.perSecond).toLocaleString('en-US')} |`);
  }
  log(`${(bytes / searches).toFixed(0)} bytes answered per search`);
} finally {
  await closeCore(core);
  folder.remove();
}
