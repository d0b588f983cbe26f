// The federation check's last steps on a real s2s stream (issue 15): authenticate as one of our
// domains the way every stream does (SASL EXTERNAL, else dialback, which makes the remote server
// connect back to us to verify the key), then an XEP-0199 ping from our domain to theirs. The
// answer comes back on the remote server's own stream to us, on whichever node of the cluster that
// stream reached; `PendingPings` of the node that pinged takes it.
import type { PingAnswer } from '../../../core/federation/model.js';
import { parseJid } from '../../../lib/jid.js';
import type { XmlElement } from '../xml/element.js';
import type { Negotiated } from './stream-out.js';

/** What the ping got: an answer (a result or an error both say the server is reachable), or none in time. */
export type PingOutcome = { answered: 'result' | 'error'; ms: number } | { answered: false; ms: number };

/** The authentication's outcome, and the ping's when the stream authenticated. */
export interface ProbeResult {
  authentication: Negotiated;
  ping?: PingOutcome;
}

/** Authenticates a fresh stream from `local` to `remote` and pings; undefined when s2s is off. */
export type S2sProbe = (local: string, remote: string) => Promise<ProbeResult> | undefined;

interface Waiting {
  local: string;
  remote: string;
  answered(type: 'result' | 'error'): void;
}

/** The pings this node sent and waits for, by id. */
export class PendingPings {
  private readonly waiting = new Map<string, Waiting>();

  /**
   * Waits up to `ms` for the answer to the ping `id` from `remote` to `local`.
   * @example const outcome = await pings.expect(id, 'example.test', 'partner.example', 10_000);
   */
  expect(id: string, local: string, remote: string, ms: number, now: () => number): Promise<PingOutcome> {
    const started = now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ answered: false, ms: now() - started });
      }, ms);
      this.waiting.set(id, {
        local,
        remote,
        answered: (type) => {
          clearTimeout(timer);
          this.waiting.delete(id);
          resolve({ answered: type, ms: now() - started });
        },
      });
    });
  }

  /** Whether `a` answers a ping this node waits for; then it is taken. */
  take(a: PingAnswer): boolean {
    const waiting = this.waiting.get(a.id);
    if (!waiting || a.from !== waiting.remote || a.to !== waiting.local) return false;
    waiting.answered(a.answered);
    return true;
  }
}

/** The ids of the federation check's pings start so (their answers are known on any node). */
export const CHECK_PING = 'check-';

/** `stanza` (authenticated as from its `from`) as the answer to a check's ping: an IQ result or error between two domains. */
export function pingAnswer(stanza: XmlElement): PingAnswer | undefined {
  const type = stanza.attrs.type;
  const id = stanza.attrs.id ?? '';
  if (stanza.name !== 'iq' || (type !== 'result' && type !== 'error') || !id.startsWith(CHECK_PING)) return undefined;
  const from = parseJid(stanza.attrs.from ?? '');
  const to = parseJid(stanza.attrs.to ?? '');
  if (from?.local !== null || from.resource !== null || to?.local !== null || to.resource !== null) return undefined;
  return { id, answered: type, from: from.domain, to: to.domain };
}
