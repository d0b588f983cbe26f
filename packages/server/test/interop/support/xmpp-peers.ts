// Real XMPP peers for the interop suite and bench/xmpp.ts: a Prosody or an ejabberd (both from
// Debian) in a network namespace of the run's own, with a throwaway CA, DNS for `*.test`
// domains and registered users.
//
// The layout (one namespace per `createXmppNet`, removed on exit, even on failure or a signal):
//
//   host (the test process)  10.213.X.1 ──veth── 10.213.X.2, .3, .4 … (namespace, one per domain)
//
// Each domain given to `createXmppNet` gets its own address inside the namespace; its server
// binds that address, so every server can use 5222/5269/5280. Inside the namespace the domains
// (and `conference.`/`upload.` below them) resolve through /etc/netns/NAME/hosts and a dnsmasq on
// 127.0.0.1:53 that also answers `_xmpp-client._tcp`/`_xmpp-server._tcp` SRV records (extra
// dnsmasq lines may add or replace records, e.g. for `parley federation check` tests).
// The test process stays outside and reaches every server over the veth at `net.address(domain)`
// (TLS with servername = the domain, trusting `net.caFile`). A Parley server joins the same
// network the same way the peers do: spawned inside with `net.command(...)` (e.g.
// `node packages/server/bin/parley.js serve --xmpp-port 5222 …` bound to `net.address('parley.test')`),
// so it resolves the peers' domains and they resolve it, while tests talk to it over the veth.
// Or a Parley runs in the test process: its domains are `outside` ones, resolving inside to the
// host's end of the veth (with an `_xmpp-server._tcp` SRV record naming its s2s port), and it
// resolves the peers' domains through `net.dnsServer` (dnsmasq on an address of the namespace).
//
// Needs root (namespaces, veth), iproute2, dnsmasq, openssl and the peer; `probeXmppPeers` says
// what is missing so the interop tests can skip.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { type Proc, tempDir, track, waitUntil } from '../../support/cluster.js';
import { issueCertificate, makeCertificates } from '../../support/slapd.js';

export const PROSODY = process.env.PARLEY_TEST_PROSODY ?? '/usr/bin/prosody';
export const EJABBERDCTL = process.env.PARLEY_TEST_EJABBERDCTL ?? '/usr/sbin/ejabberdctl';
export const DNSMASQ = process.env.PARLEY_TEST_DNSMASQ ?? '/usr/sbin/dnsmasq';
const IP = '/usr/sbin/ip';

/* ------------------------------------------------------------------------------------------------
 * Probe
 * --------------------------------------------------------------------------------------------- */

/** Throws, saying why, when peers cannot run here (for `requirePeer`). */
export async function probeXmppPeers(peers: ('prosody' | 'ejabberd')[] = ['prosody', 'ejabberd']): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root');
  const binaries = [IP, DNSMASQ, ...peers.map((p) => (p === 'prosody' ? PROSODY : EJABBERDCTL))];
  for (const bin of binaries) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      throw new Error(`${bin} missing (bash scripts/setup-interop.sh installs it)`);
    }
  }
}

/* ------------------------------------------------------------------------------------------------
 * Network namespace, DNS and certificates
 * --------------------------------------------------------------------------------------------- */

export interface XmppNet {
  /** The namespace's name (`parley-xmpp-PID-X`). */
  name: string;
  /** A folder for this net's files (certificates, peers' data); removed on exit. */
  dir: string;
  /** The host's end of the veth: where the namespace sees the test process. */
  hostAddress: string;
  /** The namespace's dnsmasq as the test process reaches it (for Parley's `federation.dnsServers`). */
  dnsServer: string;
  /** The address inside the namespace that `domain` resolves to and its server binds. */
  address(domain: string): string;
  /** PEM file of the throwaway CA that signed every domain's certificate. */
  caFile: string;
  /** The domain's certificate (DNS SANs `domain` and `*.domain`), key, and both in one PEM. */
  certificate(domain: string): { certFile: string; keyFile: string; pemFile: string };
  /** `[command, args]` that runs `command args` inside the namespace (pinned to `cpu` if given). */
  command(command: string, args: string[], cpu?: number): [string, string[]];
  /** Removes the namespace, its processes and files (also done on exit). */
  close(): void;
}

export interface XmppNetOptions {
  /** The domains served inside (each gets an address and a certificate); default a.test, b.test, parley.test. */
  domains?: string[];
  /** More dnsmasq configuration lines (e.g. `srv-host=…`); `srv: false` leaves out the default SRV records. */
  dns?: string[];
  srv?: boolean;
  /**
   * Domains served by the test process (a Parley started in it, bound to `hostAddress`): inside
   * they resolve to `hostAddress`, with an `_xmpp-server._tcp` SRV record naming `s2sPort`.
   */
  outside?: { domain: string; s2sPort: number }[];
}

const nets = new Set<XmppNet>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const net of nets) net.close();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const net of nets) net.close();
      process.kill(process.pid, signal);
    });
  }
}

const ip = (...args: string[]) => execFileSync(IP, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Whether a TCP connection to host:port is accepted (from the host, through the veth). */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Creates the namespace (linked to the host by a veth whose /24 is picked by creating the veth,
 * which fails when another run holds that index), the hosts file, dnsmasq, and a CA with one
 * certificate per domain.
 */
export async function createXmppNet(options: XmppNetOptions = {}): Promise<XmppNet> {
  await probeXmppPeers([]);
  hookExit();
  const domains = options.domains ?? ['a.test', 'b.test', 'parley.test'];
  let index = 0;
  for (let i = 0; i < 250 && !index; i++) {
    const candidate = ((process.pid + i) % 250) + 1;
    try {
      ip('link', 'add', `pxh${candidate}`, 'type', 'veth', 'peer', 'name', `pxn${candidate}`);
      index = candidate;
    } catch {
      // taken by another run
    }
  }
  if (!index) throw new Error('no free veth index for an XMPP namespace');
  const name = `parley-xmpp-${process.pid}-${index}`;
  const subnet = `10.213.${index}`;
  const addresses = new Map(domains.map((d, i) => [d, `${subnet}.${i + 2}`]));
  const outside = options.outside ?? [];
  const dnsServer = `${subnet}.254`;
  const dir = tempDir('parley-xmpp-net-');
  chmodSync(dir, 0o755); // ejabberd runs as its own user and reads its files below
  const etc = `/etc/netns/${name}`;
  const procs: Proc[] = [];
  let closed = false;
  const net: XmppNet = {
    name,
    dir,
    hostAddress: `${subnet}.1`,
    dnsServer,
    address(domain) {
      const a = addresses.get(domain);
      if (!a) throw new Error(`${domain} is not a domain of XMPP net ${name}`);
      return a;
    },
    caFile: join(dir, 'ca.crt'),
    certificate(domain) {
      if (!outside.some((o) => o.domain === domain)) net.address(domain);
      return {
        certFile: join(dir, `${domain}.crt`),
        keyFile: join(dir, `${domain}.key`),
        pemFile: join(dir, `${domain}.pem`),
      };
    },
    command(command, args, cpu) {
      const pinned = cpu === undefined ? [command, ...args] : ['taskset', '-c', String(cpu), command, ...args];
      return [IP, ['netns', 'exec', name, ...pinned]];
    },
    close() {
      if (closed) return;
      closed = true;
      nets.delete(net);
      try {
        for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
        ip('netns', 'del', name);
      } catch {
        // never created, or gone
      }
      try {
        ip('link', 'del', `pxh${index}`);
      } catch {
        // removed with the namespace
      }
      rmSync(etc, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  nets.add(net);
  try {
    ip('netns', 'add', name);
    ip('link', 'set', `pxn${index}`, 'netns', name);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', `pxh${index}`);
    ip('link', 'set', `pxh${index}`, 'up');
    const inside = (...args: string[]) => ip('netns', 'exec', name, IP, ...args);
    inside('link', 'set', 'lo', 'up');
    for (const a of [...addresses.values(), dnsServer]) inside('addr', 'add', `${a}/24`, 'dev', `pxn${index}`);
    inside('link', 'set', `pxn${index}`, 'up');

    mkdirSync(etc, { recursive: true });
    const resolved = [...addresses, ...outside.map((o): [string, string] => [o.domain, `${subnet}.1`])];
    const hosts = ['127.0.0.1 localhost', ...resolved.map(([d, a]) => `${a} ${d} conference.${d} upload.${d}`)];
    writeFileSync(join(etc, 'hosts'), `${hosts.join('\n')}\n`);
    writeFileSync(join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\n');
    const srv =
      options.srv === false
        ? []
        : [...addresses.keys()].flatMap((d) => [
            `srv-host=_xmpp-server._tcp.${d},${d},5269`,
            `srv-host=_xmpp-client._tcp.${d},${d},5222`,
          ]);
    const dnsmasqConf = [
      'no-resolv',
      'no-hosts',
      'no-poll',
      `listen-address=127.0.0.1,${dnsServer}`,
      'bind-interfaces',
      'port=53',
      'user=root',
      // Authoritative for the run's names: what is not configured is NXDOMAIN, not REFUSED.
      'local=/test/',
      ...resolved.map(([d, a]) => `address=/${d}/${a}`),
      ...srv,
      // The outside server's MUC service is a domain of its own that peers connect to (XEP-0045 over s2s).
      ...outside.flatMap((o) =>
        [o.domain, `conference.${o.domain}`].map((d) => `srv-host=_xmpp-server._tcp.${d},${o.domain},${o.s2sPort}`),
      ),
      ...(options.dns ?? []),
    ];
    writeFileSync(join(dir, 'dnsmasq.conf'), `${dnsmasqConf.join('\n')}\n`);
    const [cmd, args] = net.command(DNSMASQ, [
      '--keep-in-foreground',
      '--log-facility=-',
      `--conf-file=${join(dir, 'dnsmasq.conf')}`,
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
    ]);
    let started = false;
    const dnsLog: string[] = [];
    procs.push(
      track(cmd, args, {
        onLine: (line) => {
          dnsLog.push(line);
          if (/started, version/.test(line)) started = true;
        },
      }),
    );
    await waitUntil(
      () => started,
      10_000,
      () => `dnsmasq in ${name}: ${dnsLog.join('\n')}`,
    );

    await makeCertificates(dir);
    const certified = [...domains, ...outside.map((o) => o.domain)];
    for (const d of certified) {
      await issueCertificate(dir, d, [d, `*.${d}`]);
      const c = net.certificate(d);
      writeFileSync(c.pemFile, readFileSync(c.certFile, 'utf8') + readFileSync(c.keyFile, 'utf8'));
    }
    for (const f of ['ca.crt', ...certified.flatMap((d) => [`${d}.crt`, `${d}.key`, `${d}.pem`])]) {
      chmodSync(join(dir, f), 0o644);
    }
  } catch (err) {
    net.close();
    throw err;
  }
  return net;
}

/* ------------------------------------------------------------------------------------------------
 * Peers
 * --------------------------------------------------------------------------------------------- */

export interface XmppUser {
  user: string;
  password: string;
}

export type S2sAuth = 'external' | 'dialback';

export interface XmppPeerOptions {
  domain: string;
  /**
   * external (default): the peer trusts the net's CA and authenticates servers with SASL
   * EXTERNAL on their certificates; dialback: it trusts no CA, so certificates never validate and
   * servers are authenticated with XEP-0220 dialback.
   */
  s2s?: S2sAuth;
  users?: XmppUser[];
  /** Shared roster groups: every member sees every other member of its group (`both`). */
  groups?: string[][];
  /** Prosody only: bidirectional s2s streams (XEP-0288, Debian's mod_s2s_bidi). */
  bidi?: boolean;
  /** Run as its admins would for load (errors-only logging, limits raised); for bench/xmpp.ts. */
  tuned?: boolean;
  /** Pin the server to this CPU (taskset). */
  cpu?: number;
}

export interface XmppPeer {
  /** 'Prosody 0.12.3' / 'ejabberd 23.01'. */
  name: string;
  kind: 'prosody' | 'ejabberd';
  domain: string;
  /** The server's address (from the host through the veth, and inside the namespace). */
  address: string;
  c2sPort: number;
  s2sPort: number;
  /** HTTP (upload, ejabberd's API). */
  httpPort: number;
  /** The server's process (Prosody's lua, ejabberd's beam.smp) for CPU and RSS figures. */
  pid(): number;
  /** Its log so far (Prosody: debug unless tuned; ejabberd: its ejabberd.log). */
  log(): string;
  register(users: XmppUser[]): Promise<void>;
  stop(): Promise<void>;
}

export function startXmppPeer(net: XmppNet, kind: 'prosody' | 'ejabberd', options: XmppPeerOptions): Promise<XmppPeer> {
  return kind === 'prosody' ? startProsody(net, options) : startEjabberd(net, options);
}

const lua = (s: string) => JSON.stringify(s); // Lua accepts JSON's escapes for the strings we write

/** The RFC 5802 stored and server keys for `password` (SHA-1, as both peers store them). */
function scramSha1Keys(password: string, salt: string, iterations: number) {
  const salted = pbkdf2Sync(password, salt, iterations, 20, 'sha1');
  const clientKey = createHmac('sha1', salted).update('Client Key').digest();
  return {
    storedKey: createHash('sha1').update(clientKey).digest('hex'),
    serverKey: createHmac('sha1', salted).update('Server Key').digest('hex'),
  };
}

/** Prosody's data store names a host or user folder with every non-alphanumeric byte as %xx. */
const prosodyEncode = (s: string) =>
  s.replace(/[^a-zA-Z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export const SCRAM_ITERATIONS = 4096;

async function startProsody(net: XmppNet, o: XmppPeerOptions): Promise<XmppPeer> {
  const address = net.address(o.domain);
  const dir = join(net.dir, `prosody-${o.domain}`);
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const cert = net.certificate(o.domain);
  const external = (o.s2s ?? 'external') === 'external';
  // Dialback: a CA file that signed none of the peers' certificates, so no certificate validates.
  const untrusted = join(dir, 'untrusted-ca.crt');
  if (!external) writeFileSync(untrusted, readFileSync(cert.certFile)); // a leaf, not a CA: validates nothing
  const modules = [
    'roster',
    'saslauth',
    'tls',
    'dialback',
    'disco',
    'ping',
    'presence',
    'message',
    'iq',
    'carbons',
    'smacks',
    'mam',
    'blocklist',
    'vcard4',
    'http',
    ...(o.groups ? ['groups'] : []),
    ...(o.bidi ? ['s2s_bidi'] : []),
  ];
  if (o.groups) {
    const lines = o.groups.flatMap((members, i) => [`[group${i}]`, ...members.map((m) => `${m}@${o.domain}`)]);
    writeFileSync(join(dir, 'groups.txt'), `${lines.join('\n')}\n`);
  }
  const config = [
    'run_as_root = true',
    'daemonize = false',
    `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
    `data_path = ${lua(data)}`,
    'plugin_paths = {}',
    o.tuned
      ? `log = { error = ${lua(join(dir, 'prosody.log'))} }`
      : `log = { debug = ${lua(join(dir, 'prosody.log'))} }`,
    `interfaces = { ${lua(address)} }`,
    'c2s_ports = { 5222 }',
    's2s_ports = { 5269 }',
    'c2s_direct_tls_ports = {}',
    'http_ports = { 5280 }',
    `http_interfaces = { ${lua(address)} }`,
    'https_ports = {}',
    // Epoll is 0.12's default backend; the limits below are raised for load (mod_limits is off).
    'network_backend = "epoll"',
    `network_settings = { read_timeout = 3600${o.tuned ? ', tcp_backlog = 1024' : ''} }`,
    `modules_enabled = { ${modules.map(lua).join(', ')} }`,
    'modules_disabled = { "posix" }',
    'authentication = "internal_hashed"',
    'allow_registration = false',
    'c2s_require_encryption = true',
    `s2s_require_encryption = ${external}`,
    `s2s_secure_auth = ${external}`,
    'allow_unencrypted_plain_auth = false',
    'archive_expires_after = "1w"',
    ...(o.groups ? [`groups_file = ${lua(join(dir, 'groups.txt'))}`] : []),
    `ssl = { certificate = ${lua(cert.certFile)}, key = ${lua(cert.keyFile)}, cafile = ${lua(external ? net.caFile : untrusted)} }`,
    // libunbound answers *.test NXDOMAIN by itself (RFC 6761) unless the zone is made transparent.
    'unbound = { resolvconf = true; hoststxt = true; options = { ["local-zone:"] = "test. transparent" } }',
    `http_host = ${lua(`upload.${o.domain}`)}`,
    `http_external_url = ${lua(`http://upload.${o.domain}:5280/`)}`,
    `VirtualHost ${lua(o.domain)}`,
    `Component ${lua(`conference.${o.domain}`)} "muc"`,
    '  modules_enabled = { "muc_mam" }',
    `Component ${lua(`upload.${o.domain}`)} "http_file_share"`,
    '  http_file_share_size_limit = 10485760',
    '',
  ];
  writeFileSync(join(dir, 'prosody.cfg.lua'), config.join('\n'));
  const peer: XmppPeer = {
    name: 'Prosody 0.12',
    kind: 'prosody',
    domain: o.domain,
    address,
    c2sPort: 5222,
    s2sPort: 5269,
    httpPort: 5280,
    pid: () => proc.child.pid as number,
    log: () => readText(join(dir, 'prosody.log')),
    async register(users) {
      // As mod_auth_internal_hashed stores them (hex keys), written directly: prosodyctl takes
      // ~0.3 s per user.
      const accounts = join(data, prosodyEncode(o.domain), 'accounts');
      mkdirSync(accounts, { recursive: true });
      const keys = new Map<string, ReturnType<typeof scramSha1Keys>>();
      for (const u of users) {
        const salt = `parley-${u.password}`; // one salt per password: the bench's 10,000 accounts in seconds
        let k = keys.get(salt);
        if (!k) {
          k = scramSha1Keys(u.password, salt, SCRAM_ITERATIONS);
          keys.set(salt, k);
        }
        writeFileSync(
          join(accounts, `${prosodyEncode(u.user)}.dat`),
          `return {\n\t["iteration_count"] = ${SCRAM_ITERATIONS};\n\t["salt"] = ${lua(salt)};\n\t["stored_key"] = ${lua(k.storedKey)};\n\t["server_key"] = ${lua(k.serverKey)};\n};\n`,
        );
      }
    },
    stop: () => stopProc(proc),
  };
  await peer.register(o.users ?? []);
  const [cmd, args] = net.command(PROSODY, ['--config', join(dir, 'prosody.cfg.lua')], o.cpu);
  const output: string[] = [];
  const proc = track(cmd, args, { onLine: (line) => output.push(line) });
  await waitUntil(
    async () => proc.done() || ((await tcpOpen(address, 5222)) && (await tcpOpen(address, 5269))),
    15_000,
    () => `Prosody for ${o.domain}: ${output.join('\n')}`,
  );
  if (proc.done()) throw new Error(`Prosody for ${o.domain} exited:\n${output.join('\n')}\n${peer.log().slice(-3000)}`);
  return peer;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** SIGTERM to `pid` (default the tracked process), then waits for the tracked process to exit. */
async function stopProc(proc: Proc, pid?: number): Promise<void> {
  if (proc.done()) return;
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  await proc.terminate(pid ? 'SIGCONT' : 'SIGTERM', 10_000);
}

async function startEjabberd(net: XmppNet, o: XmppPeerOptions): Promise<XmppPeer> {
  const address = net.address(o.domain);
  const dir = join(net.dir, `ejabberd-${o.domain}`);
  for (const sub of ['spool', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  const cert = net.certificate(o.domain);
  const external = (o.s2s ?? 'external') === 'external';
  copyFileSync(cert.pemFile, join(dir, 'server.pem'));
  copyFileSync(external ? net.caFile : cert.certFile, join(dir, 'ca.pem')); // dialback: a leaf that validates nothing
  const shaper = o.tuned ? 'none' : 'normal';
  const config = `hosts:
  - ${o.domain}
loglevel: ${o.tuned ? 'error' : 'info'}
certfiles:
  - ${join(dir, 'server.pem')}
ca_file: ${join(dir, 'ca.pem')}
listen:
  - port: 5222
    ip: "${address}"
    module: ejabberd_c2s
    starttls_required: true
    shaper: ${shaper}
    max_stanza_size: 262144${o.tuned ? '\n    backlog: 1024' : ''}
  - port: 5269
    ip: "${address}"
    module: ejabberd_s2s_in
    max_stanza_size: 524288
  - port: 5280
    ip: "${address}"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api
      /upload: mod_http_upload
s2s_use_starttls: ${external ? 'required' : 'optional'}
s2s_access: all
auth_method: internal
auth_password_format: scram
shaper:
  normal:
    rate: 1000
    burst_size: 20000
  fast: 100000
acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
      - ${net.hostAddress}/32
access_rules:
  local:
    allow: local
  c2s:
    allow: all
  s2s:
    allow: all
api_permissions:
  "harness":
    from:
      - ejabberd_ctl
      - mod_http_api
    who:
      access:
        allow:
          - acl: loopback
    what: "*"
modules:
  mod_disco: {}
  mod_roster: {}
  mod_s2s_dialback: {}
  mod_carboncopy: {}
  mod_stream_mgmt: {}
  mod_mam:
    default: always
  mod_muc:
    host: conference.${o.domain}
    default_room_options:
      mam: true
  mod_ping: {}
  mod_shared_roster: {}
  mod_admin_extra: {}
  mod_http_upload:
    host: upload.${o.domain}
    put_url: http://upload.${o.domain}:5280/upload
    docroot: ${join(dir, 'upload')}
`;
  writeFileSync(join(dir, 'ejabberd.yml'), config);
  writeFileSync(
    join(dir, 'ejabberdctl.cfg'),
    [
      `EJABBERD_PID_PATH=${join(dir, 'ejabberd.pid')}`,
      'ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"',
      'ERL_MAX_PORTS=65536',
      'ERL_PROCESSES=1000000',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'inetrc'), `{lookup,["file","native"]}.\n{file, resolv, "/etc/resolv.conf"}.\n`);
  execFileSync('chown', ['-R', 'ejabberd', dir]);
  const node = `ejb_${o.domain.replace(/\W/g, '_')}@localhost`; // one epmd per namespace: a name per server
  const ctl = ['--config-dir', dir, '--spool', join(dir, 'spool'), '--logs', join(dir, 'logs'), '--node', node];
  // As the ejabberd user already: ejabberdctl would switch with su, whose PAM session sets the
  // open-files limit back to 1,024, and the VM stops once its listener cannot accept any more.
  const [cmd, args] = net.command(
    'setpriv',
    ['--reuid=ejabberd', '--regid=ejabberd', '--init-groups', EJABBERDCTL, ...ctl, 'foreground'],
    o.cpu,
  );
  const output: string[] = [];
  const proc = track(cmd, args, {
    env: { ...process.env, HOME: '/var/lib/ejabberd' },
    onLine: (line) => output.push(line),
  });
  let vm = 0; // the VM listening (ejabberdctl, su and erl exec their way to it)
  const beam = () => {
    for (const pid of ip('netns', 'pids', net.name).split('\n').filter(Boolean)) {
      const cmdline = readText(`/proc/${pid}/cmdline`);
      if (readText(`/proc/${pid}/comm`).trim() === 'beam.smp' && cmdline.includes(dir)) return Number(pid);
    }
    return 0;
  };
  const api = async (command: string, body: Record<string, unknown>) => {
    const r = await fetch(`http://${address}:5280/api/${command}`, { method: 'POST', body: JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`ejabberd ${command} ${JSON.stringify(body)}: ${r.status} ${text}`);
    return text;
  };
  const peer: XmppPeer = {
    name: 'ejabberd 23.01',
    kind: 'ejabberd',
    domain: o.domain,
    address,
    c2sPort: 5222,
    s2sPort: 5269,
    httpPort: 5280,
    pid: () => vm,
    log: () => readText(join(dir, 'logs', 'ejabberd.log')),
    async register(users) {
      await inParallel(users, 16, (u) => api('register', { user: u.user, host: o.domain, password: u.password }));
    },
    // ejabberdctl (bash, su, erl) does not pass SIGTERM on: the VM stops cleanly on its own SIGTERM.
    stop: () => stopProc(proc, beam()),
  };
  await waitUntil(
    async () =>
      proc.done() ||
      ((await tcpOpen(address, 5222)) && (await tcpOpen(address, 5269)) && (await tcpOpen(address, 5280))),
    60_000,
    () => `ejabberd for ${o.domain}: ${output.join('\n')}\n${peer.log().slice(-3000)}`,
  );
  if (proc.done())
    throw new Error(`ejabberd for ${o.domain} exited:\n${output.join('\n')}\n${peer.log().slice(-3000)}`);
  vm = beam();
  await peer.register(o.users ?? []);
  for (const [i, members] of (o.groups ?? []).entries()) {
    const group = `group${i}`;
    await api('srg_create', { group, host: o.domain, label: group, description: '', display: group });
    await inParallel(members, 16, (user) => api('srg_user_add', { user, host: o.domain, group, grouphost: o.domain }));
  }
  return peer;
}

/** Runs `fn` over `items`, at most `limit` at once. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A fresh random password, for tests' users. */
export const randomPassword = () => randomBytes(9).toString('base64url');

/**
 * The settings of a Parley serving parley.test from the host end of `net`'s veth: its listeners
 * there, its certificate, the namespace's DNS, the veth's /24 allowed out, and the net's CA
 * trusted for peers' certificates unless `trustCa` is false.
 */
export const parleyOnNet = (net: XmppNet, s2sPort: number, trustCa = true): Record<string, unknown> => {
  const cert = net.certificate('parley.test');
  return {
    'xmpp.c2s.host': net.hostAddress,
    'xmpp.s2s.host': net.hostAddress,
    'xmpp.s2s.port': s2sPort,
    'xmpp.certificates': [{ domain: 'parley.test', cert: cert.certFile, key: cert.keyFile }],
    'federation.dnsServers': [net.dnsServer],
    ...(trustCa && { 'federation.caFile': net.caFile }),
    'outbound.allow': [`${net.hostAddress.replace(/\.1$/, '.0')}/24`],
  };
};
