// Drives csta_client.py (the CSTA client written from the ECMA texts, in Python) for interop tests:
// JSON commands on its standard input, the JSON lines it printed about what it received.
import { join } from 'node:path';
import type { Framing } from '../../../src/adapters/csta/framing.js';
import { runProcess } from '../../support/cli.js';
import { track, waitUntil } from '../../support/cluster.js';

export const PYTHON = process.env.PARLEY_TEST_PYTHON ?? 'python3';
const SCRIPT = join(import.meta.dirname, 'csta_client.py');
const WAIT_MS = 60_000;

/** One line the client printed: a message it received (or `sent`, `closed`, `protocolError`). */
export interface Seen {
  kind: 'response' | 'event' | 'error' | 'session' | 'sent' | 'closed' | 'protocolError';
  name?: string;
  ns?: string | null;
  invokeId?: string | null;
  fields?: Record<string, string>;
  reason?: string;
  op?: string;
}

export interface PythonCsta {
  seen: Seen[];
  /** Sends one command (see csta_client.py) and waits for the answer: the next response, error or session message after it. */
  ask(command: Record<string, unknown>): Promise<Seen>;
  /** The first line after index `from` that `match` accepts. */
  wait(match: (s: Seen) => boolean, from?: number, what?: string): Promise<Seen>;
  stop(): Promise<void>;
}

/** Throws unless python3 is there. */
export async function probePython(): Promise<void> {
  const r = await runProcess(PYTHON, ['--version'], { timeoutMs: 10_000 });
  if (!/Python 3/.test(r.stdout + r.stderr)) throw new Error(`${PYTHON} is not Python 3`);
}

export function startPythonCsta(port: number, framing: Framing): PythonCsta {
  const seen: Seen[] = [];
  const stderr: string[] = [];
  const proc = track(PYTHON, [SCRIPT, '--port', String(port), '--framing', framing], {
    stdin: true,
    onLine: (line, stream) => {
      if (stream === 'stderr') stderr.push(line);
      else seen.push(JSON.parse(line) as Seen);
    },
  });
  const describe = (what: string) => () =>
    `python CSTA client (${framing}): ${what}; saw ${JSON.stringify(seen.slice(-12))}\n${stderr.slice(-10).join('\n')}`;
  const wait = (match: (s: Seen) => boolean, from = 0, what = 'a message') =>
    waitUntil(() => seen.slice(from).find(match), WAIT_MS, describe(what));
  return {
    seen,
    wait,
    async ask(command) {
      const from = seen.length;
      proc.child.stdin?.write(`${JSON.stringify(command)}\n`);
      return wait(
        (s) => s.kind === 'response' || s.kind === 'error' || s.kind === 'session',
        from,
        `answer to ${command.op}`,
      );
    },
    async stop() {
      proc.child.stdin?.end();
      await proc.terminate('SIGTERM', 5000);
    },
  };
}
