// Real SIP peers for interop tests and bench/sip.ts: sipp runs of the scenarios in ../sip/ and a
// throwaway Kamailio (registrar, proxy, SIMPLE presence; digest from db_text; UDP+TCP on one
// port, TLS and WebSocket optional). Everything listens on free loopback ports, lives in a temp
// folder and is killed when the test process exits. The same scenarios are aimed at Parley by
// passing its address as `target`.

import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestAnswer } from '../../../src/adapters/sip/trunk/digest.js';
import { freePort, isListening, runProcess } from '../../support/cli.js';
import { removeTemp, tempDir, track, waitUntil } from '../../support/cluster.js';
import { issueCertificate, makeCertificates } from '../../support/slapd.js';

export const SIPP = process.env.PARLEY_TEST_SIPP ?? 'sipp';
export const KAMAILIO = process.env.PARLEY_TEST_KAMAILIO ?? '/usr/sbin/kamailio';
export const KAMAILIO_MODULES =
  process.env.PARLEY_TEST_KAMAILIO_MODULES ?? '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const KAMAILIO_DBTEXT = '/usr/share/kamailio/dbtext/kamailio';
/** The sipp scenarios (XML) of the interop suite. */
export const SCENARIOS = fileURLToPath(new URL('../sip/', import.meta.url));

export type SipTransport = 'udp' | 'tcp' | 'tls';

/** A SIP account: its user part, digest password, and the user it calls or watches (`peer`). */
export interface SipAccount {
  user: string;
  password: string;
  peer?: string;
  /** The digest user name when it is not `user` (Parley: the device's SIP user name). */
  authUser?: string;
}

/* ------------------------------------------------------------------------------------------------
 * Ports
 * --------------------------------------------------------------------------------------------- */

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A loopback port free for TCP and UDP, with the `span - 1` ports above it free too (baresip: 2). */
export async function freeSipPort(span = 1): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + span > 65535) continue;
    let ok = true;
    for (let p = port; p < port + span && ok; p++) {
      ok = (await udpFree(p)) && (p === port || !(await isListening(p)));
    }
    if (ok) return port;
  }
}

/** Whether some process has a UDP socket bound to `port` (from /proc/net/udp). */
export function udpBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/udp', '/proc/net/udp6'].some(
    (file) =>
      existsSync(file) &&
      readFileSync(file, 'utf8')
        .split('\n')
        .some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex)),
  );
}

/* ------------------------------------------------------------------------------------------------
 * sipp
 * --------------------------------------------------------------------------------------------- */

export interface SippOptions {
  /** A file of SCENARIOS ('register.xml') or a path. */
  scenario: string;
  /** The server: `host:port`. */
  target: string;
  /** Default udp. sipp 3.6.1 from Debian has no TLS (built without OpenSSL): tls throws. */
  transport?: SipTransport;
  /** The SIP domain (key `domain`): request URIs and AoRs are `sip:USER@domain`. */
  domain: string;
  /** Rows of the injection file: call n uses row n mod length ([field0] user, [field1] digest, [field2] peer). */
  accounts: SipAccount[];
  /** More scenario keys (`-key`); defaults: expires 3600, text hello, basic open, note online. */
  keys?: Record<string, string>;
  /** Calls to run (-m); default 1. */
  calls?: number;
  /** New calls per second (-r); default 10. */
  rate?: number;
  /** At most this many calls at once (-l). */
  concurrency?: number;
  /** The scenario's `<pause/>` (-d), ms. */
  pauseMs?: number;
  /** The local SIP port (-p); default a free one. */
  localPort?: number;
  /** Default 60 s; sipp fails when it is reached. */
  timeoutMs?: number;
  /** More sipp arguments. */
  extra?: string[];
}

export interface SippResult {
  /** sipp's exit status: 0 every call succeeded, 1 some failed, 97/99/255 aborted. */
  code: number | null;
  successful: number;
  failed: number;
  /** Response time 1 of each successful call, ms (`start_rtd` … `rtd="true"` in the scenario). */
  responseTimes: number[];
  /** What the scenario's `<log>` actions wrote (e.g. "etag=…", "notify=<the whole NOTIFY>"). */
  log: string;
  /** sipp's error log. */
  errors: string;
  /** The last (cumulative) row of sipp's statistics CSV, by column. */
  stats: Record<string, string>;
  /** What sipp printed (its final screen). */
  output: string;
}

/** The rest of the first `<log>` line `name=…` of a run, or undefined. */
export const logValue = (r: SippResult, name: string) =>
  r.log
    .split('\n')
    .find((l) => l.startsWith(`${name}=`))
    ?.slice(name.length + 1)
    .trim();

const transportFlag = (t: SipTransport) => {
  if (t === 'tls') throw new Error('sipp from Debian has no TLS transport');
  return t === 'udp' ? 'u1' : 't1';
};

interface PreparedRun {
  dir: string;
  args: string[];
  scenarioName: string;
}

function prepareSipp(o: SippOptions & { localPort: number }): PreparedRun {
  const dir = tempDir('parley-sipp-');
  const source = isAbsolute(o.scenario) ? o.scenario : join(SCENARIOS, o.scenario);
  const scenarioName = basename(source, '.xml');
  copyFileSync(source, join(dir, `${scenarioName}.xml`));
  const rows = o.accounts.map(
    (a) => `${a.user};[authentication username=${a.authUser ?? a.user} password=${a.password}];${a.peer ?? a.user};`,
  );
  writeFileSync(join(dir, 'accounts.csv'), `SEQUENTIAL\n${rows.join('\n')}\n`);
  const keys = { expires: '3600', text: 'hello', basic: 'open', note: 'online', ...o.keys, domain: o.domain };
  const timeout = Math.ceil((o.timeoutMs ?? 60_000) / 1000);
  const args = [
    o.target,
    ...['-sf', `${scenarioName}.xml`, '-inf', 'accounts.csv'],
    ...Object.entries(keys).flatMap(([k, v]) => ['-key', k, v]),
    ...['-t', transportFlag(o.transport ?? 'udp'), '-i', '127.0.0.1'],
    ...['-m', String(o.calls ?? 1), '-r', String(o.rate ?? 10)],
    ...(o.concurrency ? ['-l', String(o.concurrency)] : []),
    ...(o.pauseMs !== undefined ? ['-d', String(o.pauseMs)] : []),
    ...['-p', String(o.localPort)],
    ...['-nostdin', '-timeout', `${timeout}s`, '-timeout_error'],
    ...['-trace_stat', '-stf', 'stats.csv', '-trace_rtt', '-rtt_freq', '1'],
    ...['-trace_logs', '-log_file', 'logs.log', '-trace_err', '-error_file', 'errors.log'],
    ...(o.extra ?? []),
  ];
  return { dir, args, scenarioName };
}

function collect(run: PreparedRun, code: number | null, output: string): SippResult {
  const read = (name: string) => (existsSync(join(run.dir, name)) ? readFileSync(join(run.dir, name), 'utf8') : '');
  const statLines = read('stats.csv').trim().split('\n');
  const header = statLines[0]?.split(';') ?? [];
  const last = statLines.length > 1 ? (statLines.at(-1)?.split(';') ?? []) : [];
  const stats = Object.fromEntries(header.map((h, i) => [h, last[i] ?? '']));
  // <scenario>_<pid>_rtt.csv: "Date_ms;response_time_ms;rtd_no" per sample.
  const rttFile = readdirSync(run.dir).find((f) => f.startsWith(`${run.scenarioName}_`) && f.endsWith('_rtt.csv'));
  const responseTimes = (rttFile ? read(rttFile) : '')
    .split('\n')
    .map((l) => l.split(';'))
    .filter((f) => f.length >= 3 && /^\d/.test(f[0] ?? ''))
    .map((f) => Number(f[1]));
  return {
    code,
    successful: Number(stats['SuccessfulCall(C)'] ?? 0),
    failed: Number(stats['FailedCall(C)'] ?? 0),
    responseTimes,
    log: read('logs.log'),
    errors: read('errors.log'),
    stats,
    output,
  };
}

/** Runs a sipp scenario to its end. */
export async function runSipp(o: SippOptions): Promise<SippResult> {
  const run = prepareSipp({ ...o, localPort: o.localPort ?? (await freeSipPort()) });
  try {
    const r = await runProcess(SIPP, run.args, {
      cwd: run.dir,
      timeoutMs: (o.timeoutMs ?? 60_000) + 30_000,
      what: `sipp ${o.scenario}`,
    });
    return collect(run, r.code, r.stdout + r.stderr);
  } finally {
    removeTemp(run.dir);
  }
}

/** A sipp process running in the background (a called phone, a watcher). */
export interface SippPeer {
  /** Its SIP port on 127.0.0.1 (the registered contact). */
  port: number;
  /** Its result, once it ends (after `calls` calls, or `stop()`). */
  result: Promise<SippResult>;
  /** What its `<log>` actions wrote so far. */
  log(): string;
  /** Ends it (SIGTERM: sipp writes its final statistics) and resolves with its result. */
  stop(): Promise<SippResult>;
}

/** Starts sipp in the background; resolves once its port is bound. */
export async function spawnSipp(o: SippOptions): Promise<SippPeer> {
  const port = o.localPort ?? (await freeSipPort());
  const run = prepareSipp({ ...o, localPort: port });
  const output: string[] = [];
  const proc = track(SIPP, run.args, { cwd: run.dir, onLine: (line) => output.push(line) });
  const result = proc.exited.then((exit) => {
    const r = collect(run, exit.code, output.join('\n'));
    removeTemp(run.dir);
    return r;
  });
  const bound = () => (o.transport === 'tcp' ? isListening(port) : udpBound(port));
  await waitUntil(
    async () => proc.done() || (await bound()),
    30_000,
    () => `sipp ${o.scenario} binding port ${port}:\n${output.slice(-15).join('\n')}`,
  );
  if (proc.done()) throw new Error(`sipp ${o.scenario} ended at once:\n${(await result).output}`);
  const logFile = join(run.dir, 'logs.log');
  return {
    port,
    result,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop: async () => {
      await proc.terminate('SIGTERM', 5000);
      return result;
    },
  };
}

/**
 * A called phone: registers `account` with register.xml (or `register`) from a free port (expires 600), then runs
 * `scenario` (uas-answer.xml, uas-ring.xml, uas-message.xml) on that port for `calls` calls. sipp
 * cannot register and then take a call with another Call-ID in one process, hence two runs.
 */
export async function startSippUas(
  o: Omit<SippOptions, 'accounts' | 'localPort'> & {
    account: SipAccount;
    /** Another REGISTER scenario and its keys (register-features.xml: what the phone offers call control). */
    register?: { scenario: string; keys: Record<string, string> };
  },
): Promise<SippPeer> {
  const port = await freeSipPort();
  const common = { target: o.target, domain: o.domain, accounts: [o.account], localPort: port };
  const reg = await runSipp({
    ...common,
    scenario: o.register?.scenario ?? 'register.xml',
    keys: { expires: '600', ...o.register?.keys },
    transport: o.transport,
  });
  if (reg.code !== 0) throw new Error(`registering ${o.account.user} failed (sipp ${reg.code}):\n${reg.errors}`);
  return spawnSipp({ ...o, ...common });
}

/* ------------------------------------------------------------------------------------------------
 * Digest (RFC 8760) computed here, for the algorithms sipp lacks
 * --------------------------------------------------------------------------------------------- */

/** The Authorization value answering `challenge` (a WWW-Authenticate value) for `method uri`. */
export function digestAuthorization(challenge: string, a: { method: string; uri: string } & SipAccount): string {
  return digestAnswer(challenge, {
    method: a.method,
    uri: a.uri,
    username: a.authUser ?? a.user,
    password: a.password,
  });
}

/**
 * register-authorization.xml answering `challenge` with the Authorization computed here for
 * `account` (REGISTER sip:DOMAIN).
 */
export function registerAnswering(
  o: Omit<SippOptions, 'scenario' | 'accounts' | 'keys'>,
  challenge: string,
  account: SipAccount,
): Promise<SippResult> {
  const authorization = digestAuthorization(challenge, { ...account, method: 'REGISTER', uri: `sip:${o.domain}` });
  return runSipp({ ...o, accounts: [account], scenario: 'register-authorization.xml', keys: { authorization } });
}

/**
 * The challenges of register-challenge.xml's log line "challenge=WWW-Authenticate: …" (one or
 * more; sipp joins several headers into one, comma-separated).
 */
export function loggedChallenges(r: SippResult): string[] {
  const line = logValue(r, 'challenge') ?? '';
  return line
    .split(/WWW-Authenticate:\s*|,\s*(?=Digest\s)/i)
    .map((c) => c.trim().replace(/,$/, ''))
    .filter(Boolean);
}

/* ------------------------------------------------------------------------------------------------
 * Kamailio
 * --------------------------------------------------------------------------------------------- */

export interface KamailioOptions {
  /** Its domain (alias and realm); default sip.test. */
  domain?: string;
  users: SipAccount[];
  /** The one digest algorithm it challenges with; default MD5. */
  algorithm?: 'MD5' | 'SHA-256';
  /** Nonce lifetime, s (auth `nonce_expire`); default 300. */
  nonceExpire?: number;
  /**
   * SIP over TLS with a throwaway CA; or a certificate naming `names` from the CA `makeCertificates`
   * made in `caDir` (shared with the test's other servers), which it presents as client too and
   * checks peers against.
   */
  tls?: boolean | { caDir: string; names: string[] };
  /** Another domain reached over TLS at `target` (`host:port`), whose server it trusts by certificate. */
  federation?: KamailioFederation;
  /** SIP over WebSocket (RFC 7118) on its own port. */
  websocket?: boolean;
  /** Tuned as for a benchmark (see kamailioConfig); default a small test setup with notice logging. */
  tuned?: boolean;
}

/** A federated domain as Kamailio's configuration routes and trusts it. */
export interface KamailioFederation {
  domain: string;
  /** `host:port` of that domain's SIP over TLS server. */
  target: string;
}

export interface Kamailio {
  domain: string;
  /** UDP and TCP port on 127.0.0.1. */
  port: number;
  /** `127.0.0.1:port`, a sipp target. */
  target: string;
  tlsPort?: number;
  wsPort?: number;
  /** The CA (PEM) of its throwaway certificate, with `tls`. */
  ca?: string;
  /** Its main process id (the SIP workers are its children). */
  pid: number;
  /** The last lines it logged. */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * The configuration: REGISTER is authenticated (www) against db_text's subscriber table, every
 * other out-of-dialog request from a local user too (proxy); PUBLISH/SUBSCRIBE are served by the
 * presence module (presence, dialog), the rest routed by usrloc with Record-Route.
 * Tuned (bench): as Kamailio's admins size it (the core cookbook and the "performance tuning"
 * notes): one UDP worker per core (`children`, here 2 cores → 4 to cover blocking on TCP writes),
 * `tcp_children` likewise, shared memory 256 MB (-m) and private 8 MB (-M) given at start,
 * `debug=-1` (errors only: logging is the first cost at load), no DNS lookups (`dns=no`,
 * `rev_dns=no`), presence subscriptions in memory only (`subs_db_mode 0`), usrloc in memory.
 * Federation: requests for the other domain go to its server over TLS (Record-Route, so its
 * dialogs pass here); requests from it are taken without digest only over TLS from a verified
 * certificate naming it (403 otherwise), and routed by usrloc.
 */
export function kamailioConfig(o: {
  dir: string;
  domain: string;
  port: number;
  tlsPort?: number;
  wsPort?: number;
  algorithm: string;
  nonceExpire: number;
  tuned: boolean;
  federation?: KamailioFederation;
}): string {
  const fed = o.federation;
  const db = `text://${o.dir}/db`;
  const load = (m: string) => `loadmodule "${m}.so"`;
  return [
    '#!KAMAILIO',
    `debug=${o.tuned ? -1 : 1}`,
    'log_stderror=yes',
    `children=${o.tuned ? 4 : 2}`,
    `tcp_children=${o.tuned ? 4 : 2}`,
    'dns=no',
    'rev_dns=no',
    'auto_aliases=no',
    `listen=udp:127.0.0.1:${o.port}`,
    `listen=tcp:127.0.0.1:${o.port}`,
    ...(o.tlsPort ? [`listen=tls:127.0.0.1:${o.tlsPort}`, 'enable_tls=yes'] : []),
    ...(o.wsPort ? [`listen=tcp:127.0.0.1:${o.wsPort}`, 'tcp_accept_no_cl=yes'] : []),
    `alias="${o.domain}"`,
    `mpath="${KAMAILIO_MODULES}/"`,
    ...['db_text', 'tm', 'sl', 'rr', 'pv', 'maxfwd', 'textops', 'siputils', 'xlog', 'sanity'].map(load),
    ...['usrloc', 'registrar', 'kex', 'auth', 'auth_db', 'presence', 'presence_xml', 'presence_dialoginfo'].map(load),
    ...(o.tlsPort ? [load('tls'), `modparam("tls", "config", "${o.dir}/tls.cfg")`] : []),
    ...(o.wsPort ? [load('xhttp'), load('websocket'), load('nathelper')] : []),
    `modparam("auth", "algorithm", "${o.algorithm}")`,
    `modparam("auth", "nonce_expire", ${o.nonceExpire})`,
    `modparam("auth_db", "db_url", "${db}")`,
    'modparam("auth_db", "calculate_ha1", 1)',
    'modparam("auth_db", "password_column", "password")',
    'modparam("auth_db", "load_credentials", "")',
    'modparam("usrloc", "db_mode", 0)',
    `modparam("presence", "db_url", "${db}")`,
    'modparam("presence", "subs_db_mode", 0)',
    `modparam("presence", "server_address", "sip:${o.domain}@127.0.0.1:${o.port}")`,
    `modparam("presence_xml", "db_url", "${db}")`,
    'modparam("presence_xml", "force_active", 1)',
    'modparam("presence_dialoginfo", "force_dummy_dialog", 1)',
    'request_route {',
    '  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }',
    '  if (has_totag()) {',
    '    if (loose_route()) { t_relay(); exit; }',
    '    if (is_method("ACK")) { if (t_check_trans()) t_relay(); exit; }',
    '    if (is_method("SUBSCRIBE")) { handle_subscribe(); exit; }',
    '    if (is_method("NOTIFY|BYE|MESSAGE|INFO|UPDATE")) { t_relay(); exit; }',
    '    sl_send_reply("404", "Not here"); exit;',
    '  }',
    '  if (is_method("CANCEL")) { if (t_check_trans()) t_relay(); exit; }',
    ...(fed
      ? [
          `  if ($fd == "${fed.domain}") {`,
          `    if (proto != TLS || !is_peer_verified() || $tls_peer_san_hostname != "${fed.domain}") {`,
          '      xlog("L_NOTICE", "federation: $rm from $fu refused\\n");',
          '      sl_send_reply("403", "Forbidden"); exit;',
          '    }',
          '    if (is_method("INVITE|SUBSCRIBE")) record_route();',
          '    if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }',
          '    t_relay(); exit;',
          '  }',
        ]
      : []),
    '  if (is_method("REGISTER")) {',
    // -4: the nonce expired; flag 16 adds stale=true to the new challenge.
    '    if (!www_authenticate("$td", "subscriber")) {',
    '      if ($rc == -4) www_challenge("$td", "16"); else www_challenge("$td", "0");',
    '      exit;',
    '    }',
    '    consume_credentials();',
    '    if (!save("location")) sl_reply_error();',
    '    exit;',
    '  }',
    '  if (!proxy_authenticate("$fd", "subscriber")) {',
    '    if ($rc == -4) proxy_challenge("$fd", "16"); else proxy_challenge("$fd", "0");',
    '    exit;',
    '  }',
    '  consume_credentials();',
    ...(fed
      ? [
          `  if ($rd == "${fed.domain}") {`,
          '    if (is_method("INVITE|SUBSCRIBE")) record_route();',
          `    $du = "sip:${fed.target};transport=tls";`,
          '    t_relay(); exit;',
          '  }',
        ]
      : []),
    '  if (is_method("PUBLISH|SUBSCRIBE")) {',
    '    if (!t_newtran()) { sl_reply_error(); exit; }',
    '    if (is_method("PUBLISH")) handle_publish(); else handle_subscribe();',
    '    t_release(); exit;',
    '  }',
    '  if (is_method("INVITE")) record_route();',
    '  if (!lookup("location")) { sl_send_reply("404", "Not Found"); exit; }',
    '  t_relay();',
    '}',
    ...(o.wsPort
      ? [
          'event_route[xhttp:request] {',
          '  if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {',
          '    if (ws_handle_handshake()) exit;',
          '  }',
          '  xhttp_reply("404", "Not Found", "", "");',
          '}',
        ]
      : []),
    '',
  ].join('\n');
}

/**
 * tls.cfg: its certificate as server and as client; with `caFile` it asks clients for a
 * certificate (not requiring one) and checks both ways against that CA.
 */
function kamailioTls(c: { certFile: string; keyFile: string; caFile?: string }): string {
  const verify = c.caFile ? `verify_certificate = yes\nca_list = ${c.caFile}\n` : 'verify_certificate = no\n';
  const pair = `private_key = ${c.keyFile}\ncertificate = ${c.certFile}\n`;
  return `[server:default]\nmethod = TLSv1.2+\n${verify}require_certificate = no\n${pair}\n[client:default]\nmethod = TLSv1.2+\n${c.caFile ? `${verify}${pair}` : 'verify_certificate = no\n'}require_certificate = no\n`;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const DB_TABLES = ['version', 'subscriber', 'location', 'location_attrs', 'presentity', 'active_watchers', 'watchers'];

/** Starts a throwaway Kamailio; resolves once it accepts TCP connections on its SIP port. */
export async function startKamailio(o: KamailioOptions): Promise<Kamailio> {
  const domain = o.domain ?? 'sip.test';
  const dir = tempDir('parley-kamailio-');
  const logs: string[] = [];
  try {
    mkdirSync(join(dir, 'db'));
    for (const t of [...DB_TABLES, 'xcap', 'pua']) copyFileSync(join(KAMAILIO_DBTEXT, t), join(dir, 'db', t));
    const rows = o.users.map(
      (u, i) =>
        `${i + 1}:${u.user}:${domain}:${u.password}:${md5(`${u.user}:${domain}:${u.password}`)}:${md5(`${u.user}@${domain}:${domain}:${u.password}`)}`,
    );
    writeFileSync(
      join(dir, 'db', 'subscriber'),
      `${readFileSync(join(KAMAILIO_DBTEXT, 'subscriber'), 'utf8')}${rows.join('\n')}\n`,
    );
    const port = await freeSipPort();
    const tlsPort = o.tls ? await freeSipPort() : undefined;
    const wsPort = o.websocket ? await freeSipPort() : undefined;
    let ca: string | undefined;
    if (o.tls === true) {
      const certs = await makeCertificates(dir);
      ca = certs.ca;
      writeFileSync(join(dir, 'tls.cfg'), kamailioTls({ certFile: certs.certFile, keyFile: certs.keyFile }));
    } else if (o.tls) {
      const leaf = await issueCertificate(o.tls.caDir, 'kamailio', o.tls.names);
      ca = readFileSync(join(o.tls.caDir, 'ca.crt'), 'utf8');
      writeFileSync(join(dir, 'tls.cfg'), kamailioTls({ ...leaf, caFile: join(o.tls.caDir, 'ca.crt') }));
    }
    const cfg = join(dir, 'kamailio.cfg');
    writeFileSync(
      cfg,
      kamailioConfig({
        dir,
        domain,
        port,
        ...(tlsPort !== undefined && { tlsPort }),
        ...(wsPort !== undefined && { wsPort }),
        algorithm: o.algorithm ?? 'MD5',
        nonceExpire: o.nonceExpire ?? 300,
        tuned: o.tuned ?? false,
        ...(o.federation && { federation: o.federation }),
      }),
    );
    const memory = o.tuned ? ['-m', '256', '-M', '8'] : ['-m', '64', '-M', '8'];
    // -DD: stay in the foreground (its workers are its children); -E: log to stderr.
    const proc = track(KAMAILIO, ['-f', cfg, '-P', join(dir, 'kamailio.pid'), ...memory, '-w', dir, '-E', '-DD'], {
      cwd: dir,
      onLine: (line) => {
        logs.push(line);
        if (logs.length > 200) logs.shift();
      },
    });
    const describe = () => `kamailio on ${port}:\n${logs.slice(-20).join('\n')}`;
    await waitUntil(async () => proc.done() || (await isListening(port)), 60_000, describe);
    if (proc.done()) throw new Error(`kamailio exited at start: ${describe()}`);
    if (tlsPort) await waitUntil(() => isListening(tlsPort), 60_000, describe);
    if (wsPort) await waitUntil(() => isListening(wsPort), 60_000, describe);
    return {
      domain,
      port,
      target: `127.0.0.1:${port}`,
      ...(tlsPort !== undefined && { tlsPort }),
      ...(wsPort !== undefined && { wsPort }),
      ...(ca !== undefined && { ca }),
      pid: proc.child.pid ?? 0,
      logs,
      async stop() {
        await proc.terminate('SIGTERM', 5000);
        removeTemp(dir);
      },
    };
  } catch (err) {
    removeTemp(dir);
    throw err;
  }
}

/** Throws unless `bin` runs with `args` (exit 0), for requirePeer. */
export async function probeBinary(bin: string, args: string[]): Promise<void> {
  const r = await runProcess(bin, args, { timeoutMs: 10_000 }).catch((err: Error) => ({
    code: -1,
    stdout: '',
    stderr: err.message,
  }));
  if (r.code !== 0) throw new Error(`${bin} not usable: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
}

/** An out-of-dialog OPTIONS to `domain` with the given Via (a liveness probe any server answers). */
export const optionsRequest = (domain: string, via: string, callId: string): string =>
  [
    `OPTIONS sip:${domain} SIP/2.0`,
    `Via: ${via}`,
    `From: <sip:probe@${domain}>;tag=1`,
    `To: <sip:${domain}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

/** Throws unless sipp is installed. */
export async function probeSipp(): Promise<void> {
  // sipp -v exits 99 after printing its version.
  const r = await runProcess(SIPP, ['-v'], { timeoutMs: 10_000 }).catch((err: Error) => ({ stdout: err.message }));
  if (!/SIPp v/.test(r.stdout)) throw new Error(`${SIPP} not usable: ${r.stdout.trim().split('\n')[0]}`);
}

/** Throws unless sipp and Kamailio (with its presence modules) are installed. */
export async function probeSippKamailio(): Promise<void> {
  await probeSipp();
  await probeBinary(KAMAILIO, ['-v']);
  if (!existsSync(join(KAMAILIO_MODULES, 'presence.so'))) throw new Error('kamailio-presence-modules not installed');
}
