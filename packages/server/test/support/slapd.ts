// A throwaway OpenLDAP server for directory tests: Debian's slapd (scripts/setup-interop.sh installs
// it) with a slapd.conf of its own (back-mdb, core/cosine/inetorgperson), its data loaded with
// slapadd before start, listening on free loopback ports (ldap:// with StartTLS and, optionally,
// ldaps:// with a throwaway CA), and killed when the test process exits, however it exits.
// Also: generatePeopleLdif, realistic people with numbers spelled the way real directories do.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, isListening, runProcess, tempDir } from './cli.js';
import { waitUntil } from './cluster.js';

export const SLAPD = process.env.PARLEY_TEST_SLAPD ?? '/usr/sbin/slapd';
export const SLAPADD = process.env.PARLEY_TEST_SLAPADD ?? '/usr/sbin/slapadd';
export const LDAPMODIFY = process.env.PARLEY_TEST_LDAPMODIFY ?? 'ldapmodify';
const SCHEMA_DIR = process.env.PARLEY_TEST_LDAP_SCHEMA ?? '/etc/ldap/schema';
const MODULE_DIR = process.env.PARLEY_TEST_LDAP_MODULES ?? '/usr/lib/ldap';

export const BASE_DN = 'dc=example,dc=test';
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
const ROOT_DN = `cn=admin,${BASE_DN}`;
const READER_DN = `cn=reader,${BASE_DN}`;

/* ------------------------------------------------------------------------------------------------
 * Children and folders: removed at exit
 * --------------------------------------------------------------------------------------------- */

const children = new Set<ChildProcess>();
const folders = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const cleanup = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    children.clear();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
    folders.clear();
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.kill(process.pid, signal);
    });
  }
}

/** Runs an ldap-utils or slapd command to completion (bounded), with `input` on its standard input. */
function run(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}) {
  hookExit();
  // LDAPNOINIT: ldap-utils ignore ~/.ldaprc and /etc/ldap/ldap.conf.
  return runProcess(command, args, { ...options, env: { ...process.env, LDAPNOINIT: '1' } });
}

async function runOk(command: string, args: string[], options: { input?: string; timeoutMs?: number } = {}) {
  const r = await run(command, args, options);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

/* ------------------------------------------------------------------------------------------------
 * TLS material
 * --------------------------------------------------------------------------------------------- */

export interface TestCertificates {
  /** PEM of the throwaway CA that signed the server certificate (pass it as `tls.ca`). */
  ca: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const f = (name: string) => join(dir, name);
  await runOk('openssl', [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Parley test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leaf = await issueCertificate(dir, 'server', ['localhost']);
  return { ca: readFileSync(f('ca.crt'), 'utf8'), caFile: f('ca.crt'), ...leaf };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * One more certificate from the CA `makeCertificates` made in `dir`: for 127.0.0.1 and `dnsNames`
 * (the first is its CN), good for TLS servers and clients (`<name>.crt`, `<name>.key`).
 */
export async function issueCertificate(
  dir: string,
  name: string,
  dnsNames: string[],
): Promise<{ certFile: string; keyFile: string }> {
  const f = (file: string) => join(dir, file);
  const subject = `/CN=${dnsNames[0] ?? name}`;
  await runOk('openssl', ['req', ...EC_KEY, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject]);
  writeFileSync(
    f(`${name}.ext`),
    [
      `subjectAltName=IP:127.0.0.1,${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      '',
    ].join('\n'),
  );
  await runOk('openssl', [
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f(`${name}.crt`),
    '-days',
    '2',
    '-extfile',
    f(`${name}.ext`),
  ]);
  return { certFile: f(`${name}.crt`), keyFile: f(`${name}.key`) };
}

/* ------------------------------------------------------------------------------------------------
 * slapd
 * --------------------------------------------------------------------------------------------- */

export interface SlapdOptions {
  /**
   * LDIF of the entries under ou=people (e.g. generatePeopleLdif), or its chunks in order (more
   * than one string can hold); the base entries are added.
   */
  entries?: string | Iterable<string>;
  /** Also listen on ldaps:// and offer StartTLS, with a throwaway CA (returned as `ca`). */
  tls?: boolean;
  /**
   * The size limit of the reader account (`limits … size.soft/hard`): a search without paging
   * gets at most this many entries; paged searches are not limited in total. Default unlimited.
   */
  sizeLimit?: number;
  /** The largest page the reader may ask for (`size.pr`); default unlimited. */
  maxPageSize?: number;
  /** How many entries a paged search of the reader may return in all (`size.prtotal`); default unlimited. */
  pagedTotalLimit?: number;
  /** The mdb map size in bytes (a sparse file; default 2 GiB). */
  maxSize?: number;
  /**
   * slapd's `loglevel` (default: slapd's own, `stats`: a line per operation). A benchmark sets `0`, as
   * an administrator of a busy directory would.
   */
  logLevel?: string;
  /** slapd's worker `threads` (default: slapd's own, 16). */
  threads?: number;
  /**
   * The database's `index` lines (default: objectClass, the numbers with equality and substring
   * indexes, entryUUID and modifyTimestamp). A substring index makes slapadd several times slower.
   */
  indexes?: string[];
  /**
   * Keep the loaded database in `dir` (not removed on stop) and start on it, without slapadd, the
   * next time `key` (what the entries are: their count, their generator) and the indexes match;
   * `entries` is then not read at all.
   */
  keep?: { dir: string; key: string };
  timeoutMs?: number;
}

export interface Slapd {
  /** ldap://127.0.0.1:PORT (StartTLS too when started with `tls`). */
  url: string;
  port: number;
  /** ldaps://127.0.0.1:PORT, when started with `tls`. */
  ldapsUrl?: string;
  /** The CA (PEM) that signed the server certificate, when started with `tls`. */
  ca?: string;
  /** The rootdn (no limits) and its password. */
  bindDn: string;
  password: string;
  /** A plain account that may read everything, subject to `sizeLimit` (as a service account would be). */
  reader: { dn: string; password: string };
  baseDn: string;
  peopleDn: string;
  /** The last lines slapd wrote (for failure messages). */
  logs: string[];
  /** slapd's process id (e.g. to read its memory use). */
  pid: number | undefined;
  /** Milliseconds from starting slapd on its loaded database to its port accepting connections. */
  readyMs: number;
  /** Milliseconds slapadd took to load the database (writing its LDIF included); 0 when a kept one was reused. */
  loadMs: number;
  /**
   * Freezes slapd (SIGSTOP): connections are still accepted by the kernel, nothing is answered.
   * Resolves once every thread of it has stopped (a signal is delivered asynchronously: a slapd
   * busy on the other core could still answer a request right after kill()).
   */
  pause(): Promise<void>;
  /** Lets a paused slapd go on (SIGCONT). */
  resume(): void;
  /** Applies an LDIF change set with ldapmodify (as the rootdn) against the running server. */
  modify(ldif: string): Promise<void>;
  /** Stops slapd (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

/** The scheduler state (`R`, `S`, `T` for stopped …) of every thread of a process, from /proc. */
function threadStates(pid: number | undefined): string[] {
  const tasks = `/proc/${pid}/task`;
  return readdirSync(tasks).map((tid) => readFileSync(`${tasks}/${tid}/stat`, 'utf8').split(') ').at(-1)?.[0] ?? '?');
}

const INDEXES = ['objectClass eq', 'telephoneNumber,mobile eq,sub', 'entryUUID,modifyTimestamp eq'];

/**
 * slapd.conf. For slapadd (`load`), back-mdb writes through its map (`writemap`) and without
 * syncing its metadata, and slapadd indexes with two threads: the same database, loaded faster.
 */
function slapdConf(
  dir: string,
  db: string,
  o: SlapdOptions,
  certs: TestCertificates | undefined,
  password: string,
  load: boolean,
): string {
  const size = o.sizeLimit ?? 'unlimited';
  const pr = o.maxPageSize ?? 'unlimited';
  return [
    `include ${SCHEMA_DIR}/core.schema`,
    `include ${SCHEMA_DIR}/cosine.schema`,
    `include ${SCHEMA_DIR}/inetorgperson.schema`,
    `pidfile ${dir}/slapd.pid`,
    ...(o.logLevel === undefined ? [] : [`loglevel ${o.logLevel}`]),
    ...(o.threads === undefined ? [] : [`threads ${o.threads}`]),
    `argsfile ${dir}/slapd.args`,
    ...(load ? ['tool-threads 2'] : []),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    ...(certs
      ? [
          `TLSCACertificateFile ${certs.caFile}`,
          `TLSCertificateFile ${certs.certFile}`,
          `TLSCertificateKeyFile ${certs.keyFile}`,
        ]
      : []),
    // The root DSE and the schema for everyone; the rest only for bound users.
    'access to dn.base="" by * read',
    'access to dn.base="cn=Subschema" by * read',
    'database mdb',
    `maxsize ${o.maxSize ?? 2 * 1024 ** 3}`,
    'dbnosync',
    ...(load ? ['envflags writemap nometasync'] : []),
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${password}`,
    `directory ${db}`,
    ...(o.indexes ?? INDEXES).map((i) => `index ${i}`),
    `limits dn.exact="${READER_DN}" size.soft=${size} size.hard=${size} size.pr=${pr} size.prtotal=${o.pagedTotalLimit ?? 'unlimited'}`,
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by users read by * none',
    '',
  ].join('\n');
}

function baseLdif(readerPassword: string): string {
  return [
    `dn: ${BASE_DN}`,
    'objectClass: dcObject',
    'objectClass: organization',
    'dc: example',
    'o: Example',
    '',
    `dn: ${PEOPLE_DN}`,
    'objectClass: organizationalUnit',
    'ou: people',
    '',
    `dn: ${READER_DN}`,
    'objectClass: organizationalRole',
    'objectClass: simpleSecurityObject',
    'cn: reader',
    `userPassword: ${readerPassword}`,
    '',
    '',
  ].join('\n');
}

/** Starts a throwaway slapd on free loopback ports; resolves once it accepts connections. */
export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  hookExit();
  const dir = tempDir('parley-slapd-');
  folders.add(dir);
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  const cleanupOnFailure = () => {
    child?.kill('SIGKILL');
    folders.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const password = 'admin-secret';
    const reader = { dn: READER_DN, password: 'reader-secret' };
    const certs = options.tls ? await makeCertificates(dir) : undefined;
    const db = options.keep?.dir ?? join(dir, 'db');
    const confPath = join(dir, 'slapd.conf');
    writeFileSync(confPath, slapdConf(dir, db, options, certs, password, false));
    // What the kept database holds: the entries' key and the indexes built.
    const marker = join(db, 'parley-loaded.json');
    const loaded = JSON.stringify({ key: options.keep?.key, indexes: options.indexes ?? INDEXES });
    let loadMs = 0;
    if (!options.keep || !existsSync(marker) || readFileSync(marker, 'utf8') !== loaded) {
      const t0 = performance.now();
      rmSync(db, { recursive: true, force: true });
      mkdirSync(db, { recursive: true });
      const loadConf = join(dir, 'slapadd.conf');
      writeFileSync(loadConf, slapdConf(dir, db, options, certs, password, true));
      const ldifPath = join(dir, 'data.ldif');
      const entries = options.entries ?? '';
      if (typeof entries === 'string') {
        writeFileSync(ldifPath, baseLdif(reader.password) + (entries.endsWith('\n') ? entries : `${entries}\n`));
      } else {
        // Chunks end with the blank line that separates them from the next.
        writeFileSync(ldifPath, baseLdif(reader.password));
        for (const chunk of entries) appendFileSync(ldifPath, chunk);
      }
      // -q: quick mode (no consistency checks beyond the schema).
      await runOk(SLAPADD, ['-q', '-f', loadConf, '-l', ldifPath], { timeoutMs: options.timeoutMs ?? 600_000 });
      rmSync(ldifPath);
      if (options.keep) writeFileSync(marker, loaded);
      loadMs = performance.now() - t0;
    }

    const port = await freePort();
    const ldapsPort = certs ? await freePort() : undefined;
    const urls = [`ldap://127.0.0.1:${port}/`, ...(ldapsPort ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])];
    // -d 0: stay in the foreground (a child we can kill), logging only what slapd always logs.
    const spawned = performance.now();
    const proc = spawn(SLAPD, ['-f', confPath, '-h', urls.join(' '), '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    children.add(proc);
    let exited = false;
    const exit = new Promise<void>((resolve) => {
      proc.once('error', (err) => {
        logs.push(`spawn failed: ${err.message}`);
        exited = true;
        children.delete(proc);
        resolve();
      });
      proc.once('exit', (code, signal) => {
        logs.push(`slapd exited (${code ?? signal})`);
        exited = true;
        children.delete(proc);
        resolve();
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.setEncoding('utf8').on('data', (s: string) => {
        for (const line of s.split('\n')) if (line.trim()) logs.push(line);
        if (logs.length > 200) logs.splice(0, logs.length - 200);
      });
    }
    const describe = () => `slapd on ${urls.join(' ')}\n${logs.slice(-30).join('\n')}`;
    await waitUntil(
      async () => {
        if (exited) throw new Error(`slapd exited on start: ${describe()}`);
        return (await isListening(port)) && (!ldapsPort || (await isListening(ldapsPort)));
      },
      options.timeoutMs ?? 10_000,
      describe,
    );
    const readyMs = performance.now() - spawned;
    const url = `ldap://127.0.0.1:${port}`;
    return {
      readyMs,
      loadMs,
      url,
      port,
      ...(ldapsPort && { ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}` }),
      ...(certs && { ca: certs.ca }),
      bindDn: ROOT_DN,
      password,
      reader,
      baseDn: BASE_DN,
      peopleDn: PEOPLE_DN,
      logs,
      pid: proc.pid,
      pause: async () => {
        proc.kill('SIGSTOP');
        await waitUntil(
          () => threadStates(proc.pid).every((state) => state === 'T'),
          10_000,
          () => 'slapd stopped',
        );
      },
      resume: () => {
        proc.kill('SIGCONT');
      },
      async modify(ldif) {
        await runOk(LDAPMODIFY, ['-x', '-H', url, '-D', ROOT_DN, '-w', password], { input: ldif, timeoutMs: 30_000 });
      },
      async stop() {
        if (!exited) {
          proc.kill('SIGCONT');
          proc.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            exit,
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, 5000);
            }),
          ]);
          clearTimeout(timer);
          if (!exited) {
            proc.kill('SIGKILL');
            await exit;
          }
        }
        folders.delete(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    cleanupOnFailure();
    throw err;
  }
}

/** Throws unless slapd, slapadd, ldapmodify and openssl are installed (for requirePeer). */
export async function probeSlapd(): Promise<void> {
  for (const bin of [SLAPD, SLAPADD]) if (!existsSync(bin)) throw new Error(`${bin} not installed`);
  for (const [bin, arg] of [
    [LDAPMODIFY, '-VV'],
    ['openssl', 'version'],
  ] as const) {
    const r = await run(bin, [arg]).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
    if (r.code !== 0) throw new Error(`${bin} not usable: ${r.stderr.trim()}`);
  }
}

/* ------------------------------------------------------------------------------------------------
 * LDIF
 * --------------------------------------------------------------------------------------------- */

/** One `attr: value` line, base64 (`attr:: …`) when the value is not a SAFE-STRING (RFC 2849). */
export function ldifLine(attr: string, value: string): string {
  // SAFE-INIT-CHAR: not space, ':' or '<'; then printable ASCII (UTF-8 goes base64); no trailing space.
  const safe = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return safe || value === '' ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same people. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GIVEN = (
  'Anna Lena Julia Sarah Laura Katharina Sophie Marie Hannah Lea Sabine Petra Claudia Monika ' +
  'Ursula Jürgen Thomas Michael Andreas Stefan Markus Christian Alexander Tobias Jan Lukas Felix ' +
  'Maximilian Jonas Florian Matthias Klaus Björn Sören Jörg Özlem Mehmet Ayşe Piotr Agnieszka ' +
  'Giulia Marco François Chloé James Emily Oliver Charlotte Mohammed Fatima Dragan Ana Nikolaos ' +
  'Eleni'
).split(' ');
const SURNAMES = (
  'Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|Koch|Bauer|' +
  'Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hofmann|Hartmann|Lange|' +
  'Schmitt|Werner|Schmitz|Krause|Meier|Lehmann|Schmid|Schulze|Maier|Köhler|Herrmann|König|Walter|' +
  'Mayer|Huber|Kaiser|Fuchs|Peters|Lang|Scholz|Möller|Weiß|Jung|Hahn|Vogel|Yılmaz|Kaya|Nowak|' +
  "Kowalski|Rossi|Dubois|Smith|Jones|Papadopoulos|Jovanović|von der Heide|O'Brien"
).split('|');
export const DEPARTMENTS: [string, string[]][] = [
  ['Vertrieb', ['Vertriebsleiter', 'Key Account Manager', 'Vertriebsmitarbeiter', 'Außendienst']],
  ['Einkauf', ['Einkaufsleiter', 'Strategischer Einkäufer', 'Sachbearbeiter Einkauf']],
  ['Buchhaltung', ['Leiter Rechnungswesen', 'Finanzbuchhalter', 'Controller']],
  ['IT', ['IT-Leiter', 'Systemadministrator', 'Softwareentwickler', 'IT-Support']],
  ['Personal', ['Personalleiter', 'HR Business Partner', 'Personalreferent']],
  ['Geschäftsführung', ['Geschäftsführer', 'Assistenz der Geschäftsführung', 'Prokurist']],
  ['Produktion', ['Produktionsleiter', 'Schichtleiter', 'Qualitätssicherung']],
  ['Kundendienst', ['Leiter Kundendienst', 'Servicetechniker', 'Support-Mitarbeiter']],
  ['Marketing', ['Marketingleiter', 'Produktmanager', 'Online-Marketing']],
  ['Logistik', ['Logistikleiter', 'Disponent', 'Lagerist']],
];
/** German area codes (without trunk 0) with the lengths of subscriber numbers used there. */
const AREAS: [string, number][] =
  '711:6 30:7 89:7 40:7 221:6 69:7 211:6 351:6 911:6 7031:5 7121:5 6221:5 531:6 421:6 511:6 341:6 7531:5 2241:5'
    .split(' ')
    .map((x) => x.split(':'))
    .map(([area, len]) => [area as string, Number(len)]);
const MOBILE_PREFIXES = '151 152 157 159 160 162 163 170 171 172 173 175 176 177 178 179'.split(' ');
const COMPANY_WORDS = (
  'Maschinenbau Elektrotechnik Logistik Software Immobilien Bau Medizintechnik Automotive ' +
  'Consulting Versicherungen Verpackung Kunststofftechnik Steuerberatung Druck Energie'
).split(' ');
const LEGAL = ['GmbH', 'GmbH & Co. KG', 'AG', 'KG', 'e.K.', 'SE', 'mbH'];
const GARBAGE = ['n/a', '-', 'unbekannt', '?', 'k.A.', 'siehe Zentrale', '0', 'tbd'];

interface Company {
  name: string;
  domain: string;
  /** How this company's directory spells a number with extension `ext` (or its switchboard without). */
  work(ext: string | null): string;
  fax: string;
  /** Whether display names are "Surname, Given" (many AD installations) or "Given Surname". */
  reversed: boolean;
}

/** A name as an ASCII mail/uid part: umlauts spelled out, other accents dropped, the rest '-'. */
export const ascii = (s: string) =>
  s
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/ı/g, 'i')
    .normalize('NFD')
    .replace(/[^a-z0-9]+/g, (m) => (/[\u0300-\u036f]/.test(m) ? '' : '-'))
    .replace(/^-|-$/g, '');

function digits(rand: () => number, n: number, first = '123456789'): string {
  let s = first[Math.floor(rand() * first.length)] ?? '1';
  for (let i = 1; i < n; i++) s += String(Math.floor(rand() * 10));
  return s;
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

/** A German company's switchboard in one of the spellings real directories use. */
function germanCompany(rand: () => number, name: string, small: boolean): Company {
  const [area, len] = pick(rand, AREAS);
  // Small firms often have a short base number and two- or three-digit extensions: 0711 1234-56.
  const base = digits(rand, small && rand() < 0.5 ? len - 2 : len);
  const style = Math.floor(rand() * 8);
  const spell = (ext: string) => {
    switch (style) {
      case 0:
        return `+49 ${area} ${base}-${ext}`;
      case 1:
        return `+49 (0)${area} ${base}-${ext}`;
      case 2:
        return `0${area} ${base}-${ext}`;
      case 3:
        return `0${area}/${base}-${ext}`;
      case 4:
        return `+49 ${area} ${base}${ext}`;
      case 5:
        return `+49-${area}-${base}-${ext}`;
      case 6:
        return `(0${area}) ${base} ${ext}`;
      default:
        return `+49${area}${base}${ext}`;
    }
  };
  return {
    name,
    domain: `${ascii(name.replace(/ (GmbH.*|AG|KG|e\.K\.|SE|mbH)$/, ''))}.de`,
    work: (ext) => spell(ext ?? '0'),
    fax: spell(pick(rand, ['99', '199', '900', '29'])),
    reversed: rand() < 0.4,
  };
}

/** A foreign company (+43, +41, +44, +1) with its country's usual spelling. */
function foreignCompany(rand: () => number, kind: number): Company {
  const names = [
    ['Alpenland Handels', 'Wiener Technik', 'Salzburger Bau'],
    ['Helvetia Präzision', 'Zürcher Software', 'Berner Medizintechnik'],
    ['Thames Logistics', 'Northern Components', 'Albion Consulting'],
    ['Lakeside Systems', 'Pacific Devices', 'Hudson Analytics'],
  ][kind] as string[];
  const legal = [' GmbH', ' AG', ' Ltd', ' Inc.'][kind] as string;
  const name = `${pick(rand, names)}${legal}`;
  const tld = ['at', 'ch', 'co.uk', 'com'][kind] as string;
  let work: (ext: string | null) => string;
  if (kind === 0) {
    const area = pick(rand, ['1', '662', '316', '732', '512']);
    const base = digits(rand, area === '1' ? 7 : 5);
    work = (ext) => (rand() < 0.5 ? `+43 ${area} ${base}-${ext ?? '0'}` : `+43 (0)${area} ${base} ${ext ?? '0'}`);
  } else if (kind === 1) {
    const area = pick(rand, ['44', '31', '61', '21', '41']);
    const a = digits(rand, 3);
    work = (ext) => {
      const tail = ext ? `${ext.padStart(4, '0').slice(0, 2)} ${ext.padStart(4, '0').slice(2)}` : '00 00';
      return rand() < 0.5 ? `+41 ${area} ${a} ${tail}` : `+41 (0)${area} ${a} ${tail}`;
    };
  } else if (kind === 2) {
    const area = pick(rand, ['20 7946', '161 496', '113 496', '131 496']);
    work = (ext) => `+44 (0)${area} ${(ext ?? '0').padStart(4, '0')}`;
  } else {
    const area = pick(rand, ['212', '415', '617', '312', '206']);
    work = (ext) =>
      rand() < 0.5
        ? `+1 ${area} 555 ${(ext ?? '0').padStart(4, '0')}`
        : `+1 (${area}) 555-${(ext ?? '0').padStart(4, '0')}`;
  }
  return {
    name,
    domain: `${ascii(name.replace(/ (GmbH|AG|Ltd|Inc\.)$/, ''))}.${tld}`,
    work,
    fax: work('9999'),
    reversed: false,
  };
}

function germanMobile(rand: () => number): string {
  const prefix = pick(rand, MOBILE_PREFIXES);
  const n = digits(rand, prefix.startsWith('15') ? 8 : 7, '0123456789');
  switch (Math.floor(rand() * 6)) {
    case 0:
      return `+49 ${prefix} ${n}`;
    case 1:
      return `+49 (0)${prefix} ${n}`;
    case 2:
      return `0${prefix}/${n}`;
    case 3:
      return `0049 ${prefix} ${n}`;
    case 4:
      return `0${prefix}-${n}`;
    default:
      return `0${prefix} ${n}`;
  }
}

function germanHome(rand: () => number): string {
  const [area, len] = pick(rand, AREAS);
  const n = digits(rand, len);
  return rand() < 0.5 ? `0${area} ${n}` : `0${area} ${n.slice(0, Math.ceil(len / 2))} ${n.slice(Math.ceil(len / 2))}`;
}

export interface GeneratedPerson {
  uid: string;
  dn: string;
  name: string;
  company: string;
  email: string;
  /** The numbers as written in the LDIF, by attribute. */
  numbers: { attr: string; raw: string }[];
  /** Its modifyTimestamp (generalized time). */
  modifyTimestamp: string;
  /** Its entryUUID (what LdapSource uses as external id on OpenLDAP). */
  entryUUID: string;
}

export interface PeopleLdif {
  ldif: string;
  people: GeneratedPerson[];
}

/**
 * `n` realistic inetOrgPerson entries under ou=people, the same for the same seed: German and a
 * few Austrian, Swiss, British and American companies, a handful of big ones with many people on
 * one switchboard base number, numbers spelled the many ways real directories spell them
 * ('+49 711 123456-12', '0711 1234-56', '+49 (0)30 1234567', '0151 23456789' …) and ~3% garbage
 * ('n/a', '-'). Entries carry createTimestamp/modifyTimestamp in 2023–2024 and an entryUUID (as
 * restored from a live directory), so any change made now is newer than all of them.
 */
export function generatePeopleLdif(n: number, seed = 1): PeopleLdif {
  const rand = prng(seed);
  const companies: Company[] = [];
  // A few big companies (many people sharing one base number), many small ones.
  const companyCount = Math.max(8, Math.round(n / 25));
  for (let i = 0; i < companyCount; i++) {
    if (i % 12 === 11) {
      companies.push(foreignCompany(rand, Math.floor(i / 12) % 4));
      continue;
    }
    const name =
      rand() < 0.5
        ? `${pick(rand, SURNAMES)} ${pick(rand, COMPANY_WORDS)} ${pick(rand, LEGAL)}`
        : `${pick(rand, COMPANY_WORDS)} ${pick(rand, ['Süd', 'Nord', 'Rhein', 'Main', 'Neckar', 'Elbe', 'Alb'])} ${pick(rand, LEGAL)}`;
    companies.push(germanCompany(rand, name, i >= 5));
  }
  const big = 5;
  const lines: string[] = [];
  const people: GeneratedPerson[] = [];
  const usedExt = new Map<number, Set<string>>();
  const start = Date.UTC(2023, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const stamp = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  for (let i = 0; i < n; i++) {
    // 40% of people work at the big five.
    const ci = rand() < 0.4 ? Math.floor(rand() * big) : Math.floor(rand() * companies.length);
    const company = companies[ci] as Company;
    const given = pick(rand, GIVEN);
    const surname = pick(rand, SURNAMES);
    const [department, titles] = pick(rand, DEPARTMENTS);
    const uid = `p${String(i).padStart(6, '0')}`;
    const dn = `uid=${uid},${PEOPLE_DN}`;
    const cn = `${given} ${surname}`;
    const display = company.reversed ? `${surname}, ${given}` : cn;
    const email = `${ascii(given)}.${ascii(surname)}${i}@${company.domain}`;
    const numbers: { attr: string; raw: string }[] = [];
    const garbage = () => rand() < 0.03;
    // Work: an extension on the company's base number (unique within the company), sometimes two.
    const exts = usedExt.get(ci) ?? new Set<string>();
    usedExt.set(ci, exts);
    let ext: string;
    do ext = String(10 + Math.floor(rand() * (ci < big ? 8990 : 490)));
    while (exts.has(ext) && exts.size < 8000);
    exts.add(ext);
    if (garbage()) numbers.push({ attr: 'telephoneNumber', raw: pick(rand, GARBAGE) });
    else if (rand() < 0.04) numbers.push({ attr: 'telephoneNumber', raw: company.work(null) });
    else numbers.push({ attr: 'telephoneNumber', raw: company.work(ext) });
    if (rand() < 0.05) numbers.push({ attr: 'telephoneNumber', raw: company.work(String(Number(ext) + 1)) });
    if (rand() < 0.55) numbers.push({ attr: 'mobile', raw: garbage() ? pick(rand, GARBAGE) : germanMobile(rand) });
    if (rand() < 0.12) numbers.push({ attr: 'homePhone', raw: germanHome(rand) });
    if (rand() < 0.35) numbers.push({ attr: 'facsimileTelephoneNumber', raw: company.fax });
    const hex = (k: number) => Array.from({ length: k }, () => Math.floor(rand() * 16).toString(16)).join('');
    const entryUUID = `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rand() * 4)]}${hex(3)}-${hex(12)}`;
    const created = start + Math.floor(rand() * span * 0.5);
    const modified = created + Math.floor(rand() * (start + span - created));
    lines.push(
      `dn: ${dn}`,
      'objectClass: inetOrgPerson',
      `uid: ${uid}`,
      ldifLine('cn', cn),
      ldifLine('displayName', display),
      ldifLine('givenName', given),
      ldifLine('sn', surname),
      ldifLine('o', company.name),
      ldifLine('ou', department),
      ldifLine('title', pick(rand, titles)),
      `mail: ${email}`,
      ...numbers.map((x) => ldifLine(x.attr, x.raw)),
      `createTimestamp: ${stamp(created)}`,
      `modifyTimestamp: ${stamp(modified)}`,
      `entryUUID: ${entryUUID}`,
      '',
    );
    people.push({
      uid,
      dn,
      name: display,
      company: company.name,
      email,
      numbers,
      modifyTimestamp: stamp(modified),
      entryUUID,
    });
  }
  return { ldif: `${lines.join('\n')}\n`, people };
}
