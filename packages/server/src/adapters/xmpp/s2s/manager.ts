// The outbound side of federation (module.ts `Onward.remote`): one stream per (local domain,
// remote domain) on this node, made on the first stanza and forgotten when it ends; and the
// dialback verifications the inbound side asks for, each on a stream of its own. A domain whose
// inbound stream is bidirectional (XEP-0288) gets our stanzas on that stream instead.
import type { Jid } from '../../../lib/jid.js';
import { randomId } from '../c2s/hub.js';
import { StanzaError } from '../errors.js';
import { PING_NS } from '../modules/ping.js';
import { type XmlElement, x } from '../xml/element.js';
import { BidiRoutes } from './bidi.js';
import { bounce, type S2sHub, tenantOf, trustBetween } from './hub.js';
import { CHECK_PING, PendingPings, type ProbeResult, pingAnswer } from './probe.js';
import { localDomainOf, S2sOutStream } from './stream-out.js';

export class S2sManager {
  private readonly streams = new Map<string, S2sOutStream>();
  /** Streams of one purpose: a dialback verification, a federation check's probe. */
  private readonly oneOff = new Set<S2sOutStream>();
  /** The federation check's pings waiting for their answer. */
  readonly pings = new PendingPings();
  /** Inbound bidirectional streams by the (local, remote) pair they carry our stanzas for. */
  readonly bidi = new BidiRoutes();
  private stopped = false;

  constructor(private readonly hub: () => S2sHub) {}

  /** Sends a stanza from one of our domains to another server. */
  remote(stanza: XmlElement, to: Jid): void {
    const local = localDomainOf(stanza);
    if (!local || this.stopped) {
      bounce(this.hub(), stanza, new StanzaError('remote-server-not-found', 'no stream to other servers now'));
      return;
    }
    const bidi = this.bidi.get(local, to.domain);
    if (bidi) {
      bidi.send(stanza);
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
      const stream: S2sOutStream = new S2sOutStream(this.hub(), local, remote, () => this.oneOff.delete(stream), {
        streamId,
        key,
        done: (valid) => {
          if (settled) return;
          settled = true;
          resolve(valid);
        },
      });
      this.oneOff.add(stream);
    });
  }

  /**
   * The federation check's authentication and ping (issue 15): a stream of its own from `local`
   * to `remote`, authenticated as any other, then an XEP-0199 ping bounded by the check's timeout.
   */
  probe(local: string, remote: string): Promise<ProbeResult> {
    if (this.stopped)
      return Promise.resolve({ authentication: { code: 'auth-stream-failed', reason: 'the server is stopping' } });
    const hub = this.hub();
    return new Promise((resolve) => {
      const ping = async (stream: S2sOutStream, how: 'SASL EXTERNAL' | 'dialback') => {
        const id = `${CHECK_PING}${randomId()}`;
        const answer = this.pings.expect(id, local, remote, hub.net.timeoutMs, () => hub.core.ctx.clock.now());
        stream.send(x('iq', { type: 'get', id, from: local, to: remote }, x('ping', { xmlns: PING_NS })));
        resolve({ authentication: { how }, ping: await answer });
        stream.close();
      };
      const stream: S2sOutStream = new S2sOutStream(
        hub,
        local,
        remote,
        () => this.oneOff.delete(stream),
        undefined,
        (outcome) => {
          if ('how' in outcome) void ping(stream, outcome.how);
          else resolve({ authentication: outcome });
        },
      );
      this.oneOff.add(stream);
    });
  }

  /**
   * Whether an inbound stanza answers a federation check's ping (then it is taken, not routed):
   * this node's own, or another node's, whose peer's stream came here (relayed to every node on
   * the bus; the one waiting takes it).
   */
  async pingAnswered(stanza: XmlElement): Promise<boolean> {
    const answer = pingAnswer(stanza);
    if (!answer) return false;
    if (this.pings.take(answer)) return true;
    const hub = this.hub();
    const tenantId = await tenantOf(hub, answer.to);
    if (tenantId === undefined) return false;
    await hub.core.ctx.bus.publish('federation.check.answered', { tenantId, ...answer });
    return true;
  }

  /**
   * A tenant's trust changed (`federation.changed`): the outbound streams of its domains to a
   * domain now blocked are closed (what they hold bounces); the next stanza gets `not-allowed`.
   */
  async trustChanged(tenantId: string): Promise<void> {
    const hub = this.hub();
    hub.core.federation.forget(tenantId); // this handler may run before the core's own
    await this.bidi.prune(async (local, remote) => (await trustBetween(hub, local, remote)) === 'blocked');
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
    for (const stream of [...this.streams.values(), ...this.oneOff]) stream.close();
    this.streams.clear();
    this.oneOff.clear();
  }
}
