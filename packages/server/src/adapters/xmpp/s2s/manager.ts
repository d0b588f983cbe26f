// The outbound side of federation (module.ts `Onward.remote`): one stream per (local domain,
// remote domain) on this node, made on the first stanza and forgotten when it ends; and the
// dialback verifications the inbound side asks for, each on a stream of its own.
import type { Jid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { XmlElement } from '../xml/element.js';
import { bounce, type S2sHub, trustBetween } from './hub.js';
import { localDomainOf, S2sOutStream } from './stream-out.js';

export class S2sManager {
  private readonly streams = new Map<string, S2sOutStream>();
  private readonly verifying = new Set<S2sOutStream>();
  private stopped = false;

  constructor(private readonly hub: () => S2sHub) {}

  /** Sends a stanza from one of our domains to another server. */
  remote(stanza: XmlElement, to: Jid): void {
    const local = localDomainOf(stanza);
    if (!local || this.stopped) {
      bounce(this.hub(), stanza, new StanzaError('remote-server-not-found', 'no stream to other servers now'));
      return;
    }
    const key = `${local} ${to.domain}`;
    let stream = this.streams.get(key);
    if (!stream) {
      const created = new S2sOutStream(this.hub(), local, to.domain, () => {
        if (this.streams.get(key) === created) this.streams.delete(key);
      });
      stream = created;
      this.streams.set(key, stream);
    }
    stream.send(stanza);
  }

  /** XEP-0220 §2.2: asks `remote`'s authoritative server about a key it gave `local`. */
  verifyDialback(remote: string, local: string, streamId: string, key: string): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      let settled = false;
      const stream: S2sOutStream = new S2sOutStream(this.hub(), local, remote, () => this.verifying.delete(stream), {
        streamId,
        key,
        done: (valid) => {
          if (settled) return;
          settled = true;
          resolve(valid);
        },
      });
      this.verifying.add(stream);
    });
  }

  /**
   * A tenant's trust changed (`federation.changed`): the outbound streams of its domains to a
   * domain now blocked are closed (what they hold bounces); the next stanza gets `not-allowed`.
   */
  async trustChanged(tenantId: string): Promise<void> {
    const hub = this.hub();
    hub.core.federation.forget(tenantId); // this handler may run before the core's own
    for (const [key, stream] of [...this.streams]) {
      if ((await trustBetween(hub, stream.local, stream.remote)) !== 'blocked') continue;
      if (this.streams.get(key) === stream) this.streams.delete(key);
      hub.log.info({ local: stream.local, remote: stream.remote }, 'XMPP s2s stream closed: the domain is blocked now');
      stream.close();
    }
  }

  /** Closes every stream (what they hold bounces). */
  stop(): void {
    this.stopped = true;
    for (const stream of [...this.streams.values(), ...this.verifying]) stream.close();
    this.streams.clear();
    this.verifying.clear();
  }
}
