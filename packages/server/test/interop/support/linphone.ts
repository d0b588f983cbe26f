// linphone (Debian's linphone-cli, liblinphone 5.1) as a second independent phone: linphone-daemon
// with a throwaway config and HOME, driven through its unix socket (--pipe NAME makes /tmp/NAME)
// with its text commands: `register IDENTITY PROXY PASSWORD`, `register-status ALL`, `call URI`,
// `incall-player-start WAV` (plays a file into the call), `terminate`, `quit`. Replies are blocks "Status: Ok|Error\n…\n\n". It answers digest challenges
// with SHA-256 as well as MD5 (RFC 8760).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { removeTemp, tempDir, track, waitUntil } from '../../support/cluster.js';
import { freeSipPort, type SipAccount } from './sip-peers.js';

export const LINPHONE_DAEMON = process.env.PARLEY_TEST_LINPHONE_DAEMON ?? '/usr/bin/linphone-daemon';

export interface LinphoneOptions {
  account: SipAccount;
  domain: string;
  /** The registrar/proxy: `host:port` (UDP). */
  registrar: string;
  autoAnswer?: boolean;
  /**
   * Put the account into the config file, with the registrar as its outbound proxy (route), so
   * calls go through it; it registers at start and `register()` only waits. Without it the
   * `register` command registers, but calls to sip:USER@DOMAIN go wherever DNS says DOMAIN is.
   */
  configured?: boolean;
}

export interface Linphone {
  port: number;
  /** Sends one daemon command; its reply block. */
  command(text: string): Promise<string>;
  /** Registers the account; resolves once `register-status` says LinphoneRegistrationOk, throws on Failed. */
  register(): Promise<void>;
  logs: string[];
  stop(): Promise<void>;
}

export async function probeLinphone(): Promise<void> {
  if (!existsSync(LINPHONE_DAEMON)) throw new Error(`${LINPHONE_DAEMON} not installed`);
}

/** Starts linphone-daemon; resolves once its control socket accepts connections. */
export async function startLinphone(o: LinphoneOptions): Promise<Linphone> {
  const dir = tempDir('parley-linphone-');
  const home = join(dir, 'home');
  // liblinphone keeps its database under $HOME/.local/share/linphone.
  mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
  const port = await freeSipPort();
  const rtp = await freeSipPort(2);
  const aor = `sip:${o.account.user}@${o.domain}`;
  const account = [
    '[proxy_0]',
    `reg_identity=<${aor}>`,
    `reg_proxy=<sip:${o.registrar};transport=udp>`,
    `reg_route=<sip:${o.registrar};transport=udp>`,
    'reg_expires=600',
    'reg_sendregister=1',
    '[auth_info_0]',
    `username=${o.account.user}`,
    `userid=${o.account.authUser ?? o.account.user}`,
    `passwd=${o.account.password}`,
    `domain=${o.domain}`,
  ];
  writeFileSync(
    join(dir, 'rc'),
    [
      '[sip]',
      `sip_port=${port}`,
      'sip_tcp_port=-1',
      'sip_tls_port=-1',
      ...(o.configured ? ['default_proxy=0'] : []),
      '[rtp]',
      `audio_rtp_port=${rtp}`,
      '[sound]',
      'echocancellation=0',
      ...(o.configured ? account : []),
      '',
    ].join('\n'),
  );
  const pipe = `parley-lp-${randomBytes(6).toString('hex')}`;
  const path = `/tmp/${pipe}`;
  const logs: string[] = [];
  const args = [
    '--pipe',
    pipe,
    '--config',
    join(dir, 'rc'),
    '--log',
    join(dir, 'log'),
    ...(o.autoAnswer ? ['--auto-answer'] : []),
  ];
  const proc = track(LINPHONE_DAEMON, args, {
    cwd: dir,
    env: { ...process.env, HOME: home },
    onLine: (line) => {
      logs.push(line);
      if (logs.length > 200) logs.shift();
    },
  });
  const cleanup = () => {
    rmSync(path, { force: true });
    removeTemp(dir);
  };
  let socket: Socket | undefined;
  try {
    const describe = () => `linphone-daemon ${o.account.user}:\n${logs.slice(-20).join('\n')}`;
    await waitUntil(() => proc.done() || existsSync(path), 60_000, describe);
    if (proc.done()) throw new Error(`linphone-daemon exited at start: ${describe()}`);
    const conn = connect(path);
    socket = conn;
    await new Promise<void>((resolve, reject) => {
      conn.once('connect', resolve);
      conn.once('error', reject);
    });
    let buffer = '';
    let waiting: ((block: string) => void) | undefined;
    // A reply is "Status: Ok|Error\n" ["Reason: …\n"], then, when it has a body, "\n" body "\n\n".
    conn.setEncoding('utf8').on('data', (s: string) => {
      buffer += s;
      const head = /^Status: [^\n]*\n(Reason: [^\n]*\n)?/.exec(buffer);
      if (!head || !waiting) return;
      let end = head[0].length;
      if (buffer[end] === '\n') {
        const bodyEnd = buffer.indexOf('\n\n', end + 1);
        if (bodyEnd < 0) return;
        end = bodyEnd + 2;
      }
      const block = buffer.slice(0, end).trimEnd();
      buffer = buffer.slice(end);
      waiting(block);
    });
    // One command at a time: the daemon answers in order.
    let queue = Promise.resolve('');
    const command = (text: string) => {
      queue = queue.then(
        () =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`linphone ${text}: no reply in 60 s`)), 60_000);
            waiting = (block) => {
              clearTimeout(timer);
              waiting = undefined;
              resolve(block);
            };
            conn.write(text);
          }),
      );
      return queue;
    };
    return {
      port,
      command,
      async register() {
        if (!o.configured) {
          const userid = o.account.authUser ? ` ${o.account.authUser}` : '';
          const r = await command(`register ${aor} sip:${o.registrar} ${o.account.password}${userid}`);
          if (!r.startsWith('Status: Ok')) throw new Error(`linphone register: ${r}`);
        }
        let last = '';
        await waitUntil(
          async () => {
            last = await command('register-status ALL');
            if (/LinphoneRegistrationFailed/.test(last)) throw new Error(`linphone ${o.account.user}: ${last}`);
            return /LinphoneRegistrationOk/.test(last);
          },
          60_000,
          () => `linphone ${o.account.user} registering: ${last}\n${describe()}`,
        );
      },
      logs,
      async stop() {
        conn.destroy();
        await proc.terminate('SIGTERM', 5000);
        cleanup();
      },
    };
  } catch (err) {
    socket?.destroy();
    await proc.terminate('SIGKILL', 5000);
    cleanup();
    throw err;
  }
}
