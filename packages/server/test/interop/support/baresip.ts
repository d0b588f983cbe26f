// baresip (Debian's baresip-core) as a real phone for interop tests: headless, registered to a
// registrar, remote-controlled over ctrl_tcp (netstring-framed JSON commands and events). It plays
// a WAV file as its microphone (aufile) and records what it receives (sndfile, one WAV per call
// direction), so a test can check that audio went end to end.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { isListening, runProcess } from '../../support/cli.js';
import { removeTemp, tempDir, track, waitUntil } from '../../support/cluster.js';
import { freeSipPort, type SipAccount, type SipTransport } from './sip-peers.js';

/** How long to wait for baresip (a reply, an event): generous, for a busy CI machine. */
const WAIT_MS = 60_000;

export const BARESIP = process.env.PARLEY_TEST_BARESIP ?? 'baresip';
const MODULES = process.env.PARLEY_TEST_BARESIP_MODULES ?? '/usr/lib/baresip/modules';

export interface BaresipOptions {
  account: SipAccount;
  domain: string;
  /** The registrar/proxy every request goes to: `host:port`. */
  registrar: string;
  /** Default udp. */
  transport?: SipTransport;
  /** Answer incoming calls at once (answermode=auto); default false (answer with `answer()`). */
  autoAnswer?: boolean;
  /** A WAV file (8 or 16 kHz mono PCM) played as the microphone; default silence. */
  source?: string;
  /** Registration interval, s; default 600. */
  regint?: number;
  /** The digest username when it is not the user part (Parley's device username). */
  authUser?: string;
  /** Addresses (sip:…) it watches the presence of (contacts with presence=p2p, presence module). */
  watch?: string[];
  /** Take WebRTC calls: DTLS-SRTP and ICE (the dtls_srtp and ice modules). */
  webrtc?: boolean;
}

/** One ctrl_tcp event, e.g. { type: 'CALL_ESTABLISHED', peeruri, id, … }. */
export type BaresipEvent = Record<string, unknown> & { type: string };

export interface Baresip {
  /** Its SIP port on 127.0.0.1 (it also uses port + 1). */
  port: number;
  aor: string;
  /** Every event so far, oldest first. */
  events: BaresipEvent[];
  /** Resolves with the first event of `type` (after `from`, an index into events) matching `match`. */
  waitEvent(type: string, options?: { from?: number; timeoutMs?: number }): Promise<BaresipEvent>;
  /** Sends a command (as the menu knows it: dial, accept, hangup, hold, resume, reginfo …); its reply text. */
  command(command: string, params?: string): Promise<string>;
  dial(uri: string): Promise<string>;
  answer(): Promise<string>;
  hangup(): Promise<string>;
  hold(): Promise<string>;
  resume(): Promise<string>;
  /** The WAV files sndfile wrote so far (names end in -dec.wav for what was received). */
  recordings(): string[];
  /** The last lines it printed. */
  logs: string[];
  stop(): Promise<void>;
}

/** Netstring framing of ctrl_tcp: `<length>:<payload>,`. */
function netstrings(onFrame: (payload: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + length + 1) return;
      onFrame(buffer.subarray(colon + 1, colon + 1 + length).toString('utf8'));
      buffer = buffer.subarray(colon + 1 + length + 1);
    }
  };
}

/** Throws unless baresip is installed (`baresip -h` prints its version, exit status 254). */
export async function probeBaresip(): Promise<void> {
  const r = await runProcess(BARESIP, ['-h'], { timeoutMs: 10_000 }).catch((err: Error) => ({
    stdout: err.message,
    stderr: '',
  }));
  if (!/baresip v/.test(r.stdout + r.stderr)) throw new Error(`${BARESIP} not usable`);
}

/**
 * Starts baresip; resolves once it is registered. Its ports are free when chosen, but another
 * test's outgoing connection may take one before baresip binds it: then it starts on new ones.
 */
export async function startBaresip(o: BaresipOptions): Promise<Baresip> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o);
    } catch (err) {
      if (attempt >= 3 || !/exited at start[\s\S]*Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnce(o: BaresipOptions): Promise<Baresip> {
  const dir = tempDir('parley-baresip-');
  const recordings = join(dir, 'recordings');
  mkdirSync(recordings);
  const port = await freeSipPort(2);
  const ctrlPort = await freeSipPort();
  const rtp = await freeSipPort(20);
  const transport = o.transport ?? 'udp';
  const aor = `sip:${o.account.user}@${o.domain}`;
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${port}`,
      'net_interface 127.0.0.1',
      `rtp_ports ${rtp}-${rtp + 19}`,
      ...(o.webrtc ? ['rtcp_mux yes'] : []),
      `audio_source ${o.source ? `aufile,${o.source}` : 'ausine,0'}`,
      // No jitter buffer: baresip 1.0's keeps the old stream's sequence numbers when the SSRC
      // changes (a re-INVITE that connects the phone to another party) and then drops every packet
      // of a new stream whose numbers are lower as late, hearing nothing (baresip issue #817).
      'jitter_buffer_delay 0-0',
      'audio_player aubridge,nil',
      'audio_alert aubridge,nil',
      `module_path ${MODULES}`,
      ...['g711', 'aufile', 'ausine', 'aubridge', 'sndfile', ...(o.webrtc ? ['dtls_srtp', 'ice'] : [])].map(
        (m) => `module ${m}.so`,
      ),
      ...['account', 'menu', 'ctrl_tcp', ...(o.watch ? ['contact', 'presence'] : [])].map((m) => `module_app ${m}.so`),
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      `snd_path ${recordings}`,
      '',
    ].join('\n'),
  );
  const params = [
    ...(o.authUser ? [`auth_user=${o.authUser}`] : []),
    `auth_pass=${o.account.password}`,
    `outbound="sip:${o.registrar};transport=${transport}"`,
    `regint=${o.regint ?? 600}`,
    `answermode=${o.autoAnswer ? 'auto' : 'manual'}`,
    'audio_codecs=PCMU',
    ...(o.webrtc ? ['mediaenc=dtls_srtp', 'medianat=ice'] : []),
  ];
  writeFileSync(join(dir, 'contacts'), (o.watch ?? []).map((uri) => `<${uri}>;presence=p2p\n`).join(''));
  writeFileSync(join(dir, 'accounts'), `<${aor};transport=${transport}>;${params.join(';')}\n`);
  const logs: string[] = [];
  const proc = track(BARESIP, ['-f', dir], {
    cwd: dir,
    onLine: (line) => {
      logs.push(line);
      if (logs.length > 200) logs.shift();
    },
  });
  /** Why the control connection ended, if it did (a failure after it shows its cause, not only a timeout). */
  let ctrlEnded: string | null = null;
  const describe = () =>
    `baresip ${o.account.user}${proc.done() ? ' (exited)' : ''}${ctrlEnded ? ` (control connection ${ctrlEnded})` : ''}:\n${logs.slice(-20).join('\n')}`;
  let socket: Socket | undefined;
  try {
    await waitUntil(async () => proc.done() || (await isListening(ctrlPort)), WAIT_MS, describe);
    if (proc.done()) throw new Error(`baresip exited at start: ${describe()}`);
    const events: BaresipEvent[] = [];
    const replies = new Map<string, (data: string) => void>();
    const conn = connect({ host: '127.0.0.1', port: ctrlPort });
    socket = conn;
    await new Promise<void>((resolve, reject) => {
      conn.once('connect', resolve);
      conn.once('error', reject);
    });
    conn.on('error', (err) => {
      ctrlEnded = `failed: ${err.message}`;
    });
    conn.on('close', () => {
      ctrlEnded ??= 'closed';
    });
    conn.on(
      'data',
      netstrings((payload) => {
        const message = JSON.parse(payload) as Record<string, unknown>;
        if (message.event) events.push(message as BaresipEvent);
        else if (message.response) replies.get(String(message.token))?.(String(message.data ?? ''));
      }),
    );
    let token = 0;
    const command = (name: string, params?: string) => {
      const id = String(++token);
      const json = JSON.stringify({ command: name, ...(params !== undefined && { params }), token: id });
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`baresip ${name}: no reply in ${WAIT_MS / 1000} s; ${describe()}`)),
          WAIT_MS,
        );
        replies.set(id, (data) => {
          clearTimeout(timer);
          replies.delete(id);
          resolve(data);
        });
        conn.write(`${Buffer.byteLength(json)}:${json},`);
      });
    };
    const waitEvent = (type: string, options: { from?: number; timeoutMs?: number } = {}) =>
      waitUntil(
        () => events.slice(options.from ?? 0).find((e) => e.type === type),
        options.timeoutMs ?? WAIT_MS,
        () => `baresip ${o.account.user}: event ${type}; got ${events.map((e) => e.type).join(', ')}\n${describe()}`,
      );
    // Registration may finish before the control connection is up: its log line counts too.
    const registered = new RegExp(`^${o.account.user}@${o.domain}: .* 200 OK`);
    await waitUntil(
      () => {
        // baresip 1.0 tries a failed REGISTER again only after 30–60 s: say why at once instead.
        const failed = events.find((e) => e.type === 'REGISTER_FAIL');
        if (failed)
          throw new Error(`baresip ${o.account.user}: REGISTER failed (${String(failed.param)}):\n${describe()}`);
        return events.some((e) => e.type === 'REGISTER_OK') || logs.some((l) => registered.test(l));
      },
      WAIT_MS,
      () => `baresip ${o.account.user} registering:\n${describe()}`,
    );
    return {
      port,
      aor,
      events,
      waitEvent,
      command,
      dial: (uri) => command('dial', uri),
      answer: () => command('accept'),
      hangup: () => command('hangup'),
      hold: () => command('hold'),
      resume: () => command('resume'),
      recordings: () =>
        existsSync(recordings)
          ? readdirSync(recordings)
              .filter((f) => f.endsWith('.wav'))
              .map((f) => join(recordings, f))
          : [],
      logs,
      async stop() {
        conn.destroy();
        await proc.terminate('SIGTERM', 5000);
        removeTemp(dir);
      },
    };
  } catch (err) {
    socket?.destroy();
    await proc.terminate('SIGKILL', 5000);
    removeTemp(dir);
    throw err;
  }
}
