// Drives xmpp_client.py (an independent XMPP client on Debian's python3-slixmpp) for interop
// tests: JSON commands on its standard input, the JSON lines it prints for each stanza it receives.
// It runs inside an XmppNet's namespace, so it resolves the `*.test` domains as servers there do.
import { accessSync } from 'node:fs';
import { join } from 'node:path';
import { track, waitUntil } from '../../support/cluster.js';
import { requirePeer } from '../../support/interop.js';
import { probeXmppPeers, type XmppNet } from './xmpp-peers.js';

/** Debian's python3: slixmpp imports only there. */
export const SLIXMPP_PYTHON = process.env.PARLEY_TEST_SLIXMPP_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'xmpp_client.py');
const WAIT_MS = 30_000;

/** One JSON line the client printed. */
export interface XmppEvent {
  event: 'ready' | 'message' | 'presence' | 'result' | 'error' | 'invite' | 'pep' | 'disconnected';
  id?: number | null;
  error?: string;
  from?: string;
  to?: string;
  type?: string;
  body?: string;
  show?: string;
  status?: string;
  jid?: string;
  mechanism?: string;
  roster?: { jid: string; subscription: string; name: string }[];
  messages?: { from: string; to: string; body: string }[];
  /** `invite`: who invited (a mediated room invitation, XEP-0045 §7.8.2; `from` is the room). */
  inviter?: string;
  reason?: string;
  /** `join`: the status codes of the own presence (XEP-0045 §10.2). */
  codes?: number[];
  /** `configure`: the fields the room's configuration form offered. */
  fields?: string[];
  [key: string]: unknown;
}

export interface SlixmppClient {
  /** Every line so far. */
  events: XmppEvent[];
  /** The `ready` line: bound JID, SASL mechanism, roster. */
  ready: XmppEvent;
  /** Sends a command (see xmpp_client.py) and resolves with its result; throws on its error. */
  ask(command: Record<string, unknown>): Promise<XmppEvent>;
  /** The first event after index `from` that `match` accepts (waits up to 30 s). */
  wait(match: (e: XmppEvent) => boolean, from?: number, what?: string): Promise<XmppEvent>;
  stop(): Promise<void>;
}

/** Throws unless Debian's python3 with slixmpp is there. */
export async function probeSlixmpp(): Promise<void> {
  accessSync(SLIXMPP_PYTHON);
  accessSync('/usr/lib/python3/dist-packages/slixmpp/__init__.py');
}

/** Why a suite of Prosody, ejabberd and slixmpp together is skipped (requirePeer), or undefined. */
export const xmppPeersMissing = () =>
  requirePeer('Prosody, ejabberd and slixmpp', async () => {
    await probeXmppPeers();
    await probeSlixmpp();
  });

export interface SlixmppOptions {
  jid: string;
  password: string;
  /** The server's address (default: the JID's domain, resolved inside the namespace). */
  host?: string;
  port?: number;
  /** A SASL mechanism to insist on (default: the strongest SCRAM both sides offer). */
  mechanism?: string;
}

/** Starts the client inside `net` and waits until it has logged in, fetched its roster and sent its presence. */
export function startSlixmpp(net: XmppNet, o: SlixmppOptions): Promise<SlixmppClient> {
  // `--password=…`: a generated password may begin with a dash, which argparse would take for an option.
  const args = [
    SCRIPT,
    '--jid',
    o.jid,
    `--password=${o.password}`,
    '--ca',
    net.caFile,
    '--port',
    String(o.port ?? 5222),
  ];
  if (o.host) args.push('--host', o.host);
  if (o.mechanism) args.push('--mechanism', o.mechanism);
  if (process.env.PARLEY_TEST_SLIXMPP_DEBUG === '1') args.push('--debug');
  const [cmd, argv] = net.command(SLIXMPP_PYTHON, args);
  return drive(cmd, argv, `slixmpp ${o.jid}`, 'login');
}

/**
 * Starts xmpp_component.py: an external component (XEP-0114) of `domain` on slixmpp, connecting
 * to `host:port` with `secret`, and waits until the server accepted its handshake.
 */
export function startSlixmppComponent(o: { domain: string; secret: string; host: string; port: number }) {
  const script = join(import.meta.dirname, 'xmpp_component.py');
  const args = [script, '--jid', o.domain, `--secret=${o.secret}`, '--host', o.host, '--port', String(o.port)];
  return drive(SLIXMPP_PYTHON, args, `slixmpp component ${o.domain}`, 'handshake');
}

/** Runs one of the slixmpp scripts: JSON commands on its stdin, the JSON lines it prints as events. */
async function drive(cmd: string, argv: string[], label: string, start: string): Promise<SlixmppClient> {
  const events: XmppEvent[] = [];
  const stderr: string[] = [];
  const proc = track(cmd, argv, {
    stdin: true,
    onLine: (line, stream) => {
      if (stream === 'stdout' && line.startsWith('{')) events.push(JSON.parse(line) as XmppEvent);
      else stderr.push(line);
    },
  });
  const describe = (what: string) => () =>
    `${label}: ${what}; saw ${JSON.stringify(events.slice(-12))}\n${stderr.slice(-40).join('\n')}`;
  const wait = (match: (e: XmppEvent) => boolean, from = 0, what = 'an event') =>
    waitUntil(
      () =>
        events.slice(from).find(match) ??
        (proc.done() ? Promise.reject(new Error(describe(`exited while waiting for ${what}`)())) : undefined),
      WAIT_MS,
      describe(what),
    );
  const ready = await wait((e) => e.event === 'ready' || (e.event === 'error' && e.id === null), 0, start);
  if (ready.event !== 'ready') throw new Error(describe(`${start} failed: ${ready.error}`)());
  let nextId = 1;
  return {
    events,
    ready,
    wait,
    async ask(command) {
      const id = nextId++;
      proc.child.stdin?.write(`${JSON.stringify({ ...command, id })}\n`);
      const answer = await wait(
        (e) => (e.event === 'result' || e.event === 'error') && e.id === id,
        0,
        `answer to ${command.cmd}`,
      );
      if (answer.event === 'error') throw new Error(`${label} ${command.cmd}: ${answer.error}`);
      return answer;
    },
    async stop() {
      proc.child.stdin?.end();
      await proc.terminate('SIGTERM', 5000);
    },
  };
}
