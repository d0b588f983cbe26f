// External components (XEP-0114): bots and gateways a system administrator configures
// (`xmpp.components`, each a subdomain of a tenant's domain with its secret) connect to the
// component listener (`xmpp.component`, loopback by default) and serve every address of their
// domain. The router hands a component what is addressed to its domain, before any module: what
// passes between users and a component is routed as it is, as Prosody and ejabberd do, not kept
// in the core's conversations. A component's stanzas reach its tenant's users (on any node) and
// the server's own services; it cannot address other tenants or other servers. In a cluster a
// component connects to any one node, which claims its domain (cluster.ts): a second connection on
// any node is `conflict`, and what users on other nodes send it is relayed to its node.
import { createServer } from 'node:net';
import type { Services } from '../../../compose.js';
import { ParleyError } from '../../../core/errors.js';
import { formatJid } from '../../../lib/jid.js';
import type { XmppConfig } from '../../../platform/config/xmpp-schema.js';
import type { Logger } from '../../../platform/log.js';
import type { AdapterContext } from '../../adapter.js';
import { parserLimits } from '../c2s/hub.js';
import type { ConnectionLimit } from '../c2s/rate.js';
import { TcpTransport } from '../c2s/tcp.js';
import { errorReply, mayReplyWithError, StanzaError } from '../errors.js';
import type { Held, Holdings, XmppModule } from '../module.js';
import type { Router } from '../router.js';
import { StreamError } from '../stream-error.js';
import type { XmlElement } from '../xml/element.js';
import { COMPONENT_NS, type ComponentLink, ComponentStream } from './stream.js';

/** The cluster's holdings of components, each by its domain (for the owner and the address). */
export const COMPONENT_KIND = 'xmpp-component';

/** The parent of a component's domain (`bots.example.com` → `example.com`). */
const parentOf = (domain: string) => domain.slice(domain.indexOf('.') + 1);

export class Components {
  private readonly secrets: ReadonlyMap<string, string>;
  /** The components connected to this node, by domain, as the cluster knows them. */
  private readonly connected = new Map<string, { stream: ComponentStream; claim: Held }>();
  readonly streams = new Set<ComponentStream>();

  constructor(
    config: Pick<XmppConfig, 'components'>,
    private readonly core: Services,
    private readonly log: Logger,
    private readonly cluster: Holdings,
  ) {
    this.secrets = new Map(config.components.map((c) => [c.domain.toLowerCase(), c.secret]));
  }

  get configured(): boolean {
    return this.secrets.size > 0;
  }

  /** Whether `domain` is a configured component's (connected or not). */
  serves(domain: string): boolean {
    return this.secrets.has(domain.toLowerCase());
  }

  /** Sends a stanza to the component serving `domain`, on this node or another; false when it is not connected. */
  async send(domain: string, stanza: XmlElement): Promise<boolean> {
    const d = domain.toLowerCase();
    if (this.sendHere(d, stanza)) return true;
    const tenantId = await this.tenantOf(parentOf(d));
    return tenantId !== undefined && this.cluster.relay(tenantId, d, d, stanza);
  }

  /** Sends a stanza to the component of `domain` connected to this node; false when there is none. */
  private sendHere(domain: string, stanza: XmlElement): boolean {
    const stream = this.connected.get(domain)?.stream;
    stream?.send(stanza);
    return stream !== undefined;
  }

  /** The id of the tenant of `domain`, if there is one. */
  private async tenantOf(domain: string): Promise<string | undefined> {
    return (await this.core.tenants.byDomain(domain).catch(() => undefined))?.id;
  }

  /** The cluster's view of a component connected here. */
  private clustered(tenantId: string, domain: string, stream: ComponentStream): Held {
    return {
      tenantId,
      owner: domain,
      address: domain,
      id: stream.id,
      send: (stanza) => {
        if (this.connected.get(domain)?.stream !== stream) return false;
        stream.send(stanza);
        return true;
      },
      lost: () => stream.fail(new StreamError('conflict', `${domain} is connected to another node`)),
    };
  }

  /** The module listing the components of a tenant's domain in its disco#items (XEP-0030). */
  module(): XmppModule {
    const domains = [...this.secrets.keys()];
    return {
      name: 'components',
      discoItems: (domain) => domains.filter((d) => parentOf(d) === domain.toLowerCase()).map((jid) => ({ jid })),
    };
  }

  /** What the streams of components ask of the adapter. */
  link(router: Router, config: XmppConfig): ComponentLink {
    return {
      log: this.log,
      negotiationSeconds: config.limits.negotiationSeconds,
      maxQueuedStanzas: config.limits.maxQueuedStanzas,
      secretOf: async (domain) => {
        const secret = this.secrets.get(domain);
        return secret !== undefined && (await this.tenantOf(parentOf(domain))) !== undefined ? secret : undefined;
      },
      check: (domain, address, valid) =>
        this.core.auth
          .secret({ protocol: 'xmpp', address, account: domain }, async () => valid() || undefined)
          .then(
            () => true,
            (err) => {
              if (err instanceof ParleyError && err.code === 'PARLEY_ERR_INVALID_CREDENTIALS') return false;
              throw err;
            },
          ),
      attach: async (domain, stream) => {
        const tenantId = await this.tenantOf(parentOf(domain));
        if (tenantId === undefined) throw new StreamError('host-unknown', `the tenant of ${domain} is gone`);
        if (this.connected.has(domain)) return false;
        const claim = this.clustered(tenantId, domain, stream);
        this.connected.set(domain, { stream, claim });
        const held = await this.cluster.claim(claim).catch((err: unknown) => {
          this.connected.delete(domain);
          throw err;
        });
        if (!held) this.connected.delete(domain);
        return held;
      },
      detach: async (domain, stream) => {
        const here = this.connected.get(domain);
        if (here?.stream !== stream) return;
        this.connected.delete(domain);
        await this.cluster.release(here.claim);
      },
      inbound: async (stanza, from, to) => {
        const reply = (r: XmlElement) => void router.route(r);
        const own = await this.tenantOf(parentOf(from.domain));
        // A tenant's own domain (its users), else a service of it (conference.DOMAIN, another component).
        const tenantDomain = await this.tenantOf(to.domain);
        const target = tenantDomain ?? (await this.tenantOf(parentOf(to.domain)));
        if (target === undefined || target !== own) {
          if (mayReplyWithError(stanza)) {
            reply(
              errorReply(
                stanza,
                new StanzaError('not-allowed', `a component of ${parentOf(from.domain)} reaches only its own tenant`),
              ),
            );
          }
          return;
        }
        const account = to.local !== null && tenantDomain !== undefined;
        if (!account) return router.inbound(stanza, from, reply);
        if ((await router.route(stanza)) || !needsAnswer(stanza)) return;
        reply(errorReply(stanza, new StanzaError('service-unavailable', `${formatJid(to)} is not online`)));
      },
    };
  }

  /** Starts the listener, when any component is configured. */
  async listen(ctx: AdapterContext<XmppConfig>, router: Router, perAddress: ConnectionLimit): Promise<void> {
    if (!this.configured) return;
    const config = ctx.config;
    const link = this.link(router, config);
    const server = createServer((socket) => {
      const release = perAddress.take(socket.remoteAddress ?? '-');
      if (!release) {
        this.log.warn(
          { address: socket.remoteAddress },
          'XMPP component connection refused: too many from this address',
        );
        socket.destroy();
        return;
      }
      const transport = new TcpTransport(socket, {
        limits: parserLimits(config),
        rate: { bytesPerSecond: config.component.bytesPerSecond, burstSeconds: config.limits.burstSeconds },
        now: () => this.core.ctx.clock.now(),
        namespace: COMPONENT_NS,
      });
      const stream = new ComponentStream(link, transport);
      this.streams.add(stream);
      socket.once('close', () => {
        this.streams.delete(stream);
        release();
      });
    });
    await ctx.listen(server, {
      name: 'xmpp-component',
      setting: 'xmpp.component',
      host: config.component.host,
      port: config.component.port,
      scheme: 'xmpp',
      serves: 'XMPP external components (XEP-0114)',
    });
  }
}

/** A message a user could not get or an IQ request: its sender learns why (RFC 6121 §8.5.2). */
function needsAnswer(stanza: XmlElement): boolean {
  const type = stanza.attrs.type ?? 'normal';
  if (stanza.name === 'iq') return type === 'get' || type === 'set';
  return stanza.name === 'message' && (type === 'chat' || type === 'normal');
}
