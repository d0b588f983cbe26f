// Kamailio running the shipped docs/deploy/kamailio-dispatcher.cfg as a SIP balancer in front of
// Parley nodes, on loopback. The file is used as written: only its three `#!substdef` values (the
// balancer's address, port and dispatcher list) are filled in, and the list names the nodes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListening } from '../../support/cli.js';
import { removeTemp, tempDir, track, waitUntil } from '../../support/cluster.js';
import { freeSipPort, KAMAILIO, KAMAILIO_MODULES, probeBinary } from './sip-peers.js';

/** The balancer configuration the project ships. */
export const BALANCER_CFG = fileURLToPath(
  new URL('../../../../../docs/deploy/kamailio-dispatcher.cfg', import.meta.url),
);

/** The shipped config with its address, port and dispatcher list filled in (each must be there). */
export function renderBalancerConfig(text: string, o: { ip: string; port: number; listFile: string }): string {
  const values: Record<string, string> = {
    BALANCER_IP: o.ip,
    BALANCER_PORT: String(o.port),
    DISPATCHER_LIST: o.listFile,
  };
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^#!substdef "!${name}![^!]*!g"$`, 'm');
    if (!line.test(out)) throw new Error(`${BALANCER_CFG} has no #!substdef for ${name}`);
    out = out.replace(line, `#!substdef "!${name}!${value}!g"`);
  }
  return out;
}

export interface SipBalancer {
  /** UDP and TCP port on 127.0.0.1. */
  port: number;
  /** The last lines it logged. */
  logs: string[];
  /** The node (`sip:HOST:PORT`) each `method` from `aor` (user@domain) was relayed to, oldest first; a failover adds a line. */
  relays(method: string, aor: string): string[];
  stop(): Promise<void>;
}

/** Throws unless Kamailio and its dispatcher and path modules are installed. */
export async function probeBalancer(): Promise<void> {
  await probeBinary(KAMAILIO, ['-v']);
  for (const m of ['dispatcher', 'path']) {
    if (!existsSync(join(KAMAILIO_MODULES, `${m}.so`))) throw new Error(`kamailio module ${m} not installed`);
  }
}

/** Starts the balancer in front of `nodes` (their SIP UDP/TCP addresses); resolves once it listens. */
export async function startSipBalancer(o: { nodes: { host: string; port: number }[] }): Promise<SipBalancer> {
  const dir = tempDir('parley-balancer-');
  const port = await freeSipPort();
  const listFile = join(dir, 'dispatcher.list');
  writeFileSync(listFile, o.nodes.map((n) => `1 sip:${n.host}:${n.port}\n`).join(''));
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(cfg, renderBalancerConfig(readFileSync(BALANCER_CFG, 'utf8'), { ip: '127.0.0.1', port, listFile }));
  const logs: string[] = [];
  // -DD: in the foreground (its workers are its children); -E: log to stderr; -L: module folder.
  const args = ['-f', cfg, '-L', KAMAILIO_MODULES, '-P', join(dir, 'kamailio.pid'), '-m', '64', '-M', '8'];
  const proc = track(KAMAILIO, [...args, '-w', dir, '-E', '-DD'], {
    cwd: dir,
    onLine: (line) => {
      logs.push(line);
      if (logs.length > 2000) logs.shift();
    },
  });
  const describe = () => `kamailio balancer on ${port}:\n${logs.slice(-30).join('\n')}`;
  try {
    await waitUntil(async () => proc.done() || (await isListening(port)), 60_000, describe);
    if (proc.done()) throw new Error(`kamailio exited at start: ${describe()}`);
  } catch (err) {
    await proc.terminate('SIGKILL', 5000);
    removeTemp(dir);
    throw err;
  }
  return {
    port,
    logs,
    relays(method, aor) {
      const line = new RegExp(`${method} from sip:${aor.replace(/[.]/g, '\\.')} to node (sip:\\S+)`);
      return logs.flatMap((l) => line.exec(l)?.[1] ?? []);
    },
    async stop() {
      await proc.terminate('SIGTERM', 5000);
      removeTemp(dir);
    },
  };
}
