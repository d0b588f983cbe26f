import { z } from 'zod';

import { portSchema as port } from './listener-schema.js';

const count = (min: number, max: number) => z.number().int().min(min).max(max);
const host = (what: string) => z.string().min(1).default('127.0.0.1').describe(`Bind address of ${what}`);

/** The `xmpp` section: XMPP clients (RFC 6120/6121) over TCP, direct TLS, WebSocket and BOSH. */
export const XmppConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve XMPP clients (`--no-xmpp` turns it off)'),
    c2s: z
      .strictObject({
        host: host('the XMPP client listener'),
        port: port
          .default(5222)
          .describe('XMPP client port with STARTTLS (`--xmpp-port`); 0 picks a free one (logged at start)'),
        requireTls: z
          .boolean()
          .default(true)
          .describe('Clients must STARTTLS before they sign in (RFC 6120 §5.3.1); off only for tests on loopback'),
      })
      .prefault({}),
    c2sTls: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve XMPP clients over direct TLS (XEP-0368)'),
        host: host('the direct TLS listener'),
        port: port.default(5223).describe('XMPP direct TLS port (`--xmpps-port`); 0 picks a free one'),
      })
      .prefault({}),
    s2s: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Federate with other XMPP servers (RFC 6120 server-to-server)'),
        host: host('the XMPP server-to-server listener'),
        port: port
          .default(5269)
          .describe('XMPP server-to-server port (`--xmpp-s2s-port`); 0 picks a free one (logged at start)'),
        idleSeconds: count(10, 86_400)
          .default(600)
          .describe('An outbound server-to-server stream that carries nothing for this long is closed'),
        bidi: z
          .boolean()
          .default(true)
          .describe(
            'Bidirectional server-to-server streams (XEP-0288): offer and request them, so one connection carries stanzas both ways',
          ),
      })
      .prefault({}),
    websocket: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve XMPP over WebSocket (RFC 7395) at /xmpp-websocket'),
        allowPlain: z
          .boolean()
          .default(false)
          .describe(
            'Offer SASL PLAIN on /xmpp-websocket without TLS (HTTP behind no TLS proxy); SCRAM is always offered',
          ),
      })
      .prefault({}),
    bosh: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Serve XMPP over BOSH (XEP-0124, XEP-0206) at /http-bind'),
        allowPlain: z
          .boolean()
          .default(false)
          .describe('Offer SASL PLAIN on /http-bind without TLS (HTTP behind no TLS proxy); SCRAM is always offered'),
        waitSeconds: count(1, 300)
          .default(60)
          .describe(
            'Longest a BOSH request is held waiting for something to send (a client asking for longer gets this)',
          ),
        inactivitySeconds: count(2, 3600)
          .default(60)
          .describe(
            'A BOSH session whose client sends no request for this long has lost its client (XEP-0124 inactivity): it ends like a closed connection',
          ),
      })
      .prefault({}),
    certificates: z
      .array(
        z.strictObject({
          domain: z.string().min(1).describe('A tenant domain (the name clients ask for, by SNI)'),
          cert: z.string().describe('PEM certificate chain file'),
          key: z.string().describe('PEM private key file'),
        }),
      )
      .default([])
      .describe(
        'A certificate per tenant domain, chosen by SNI; without one a self-signed certificate is generated once into the data folder',
      ),
    limits: z
      .strictObject({
        maxStanzaSize: count(1024, 16 * 1024 * 1024)
          .default(256 * 1024)
          .describe(
            "Largest stanza in characters (Prosody's c2s_stanza_size_limit: 256 KiB); a larger one closes the stream (policy-violation)",
          ),
        maxDepth: count(4, 1000).default(64).describe('Deepest element nesting in a stanza'),
        maxAttributes: count(4, 10_000).default(64).describe('Most attributes of one element'),
        maxChildren: count(8, 1_000_000).default(10_000).describe('Most child nodes of one element'),
        bytesPerSecond: count(256, 1024 * 1024 * 1024)
          .default(10 * 1024)
          .describe("Bytes a client may send per second on average; reading pauses above it (Prosody's 10kb/s)"),
        burstSeconds: count(1, 3600).default(2).describe('Seconds of `bytesPerSecond` a client may send at once'),
        maxQueuedStanzas: count(16, 100_000)
          .default(500)
          .describe('Stanzas of one client waiting to be handled; more closes the stream (policy-violation)'),
        connectionsPerAddress: count(1, 100_000).default(20).describe('Open XMPP connections from one address at most'),
        negotiationSeconds: count(1, 3600)
          .default(30)
          .describe('A connection that has not bound a resource after this long is closed (connection-timeout)'),
        idleSeconds: count(10, 86_400)
          .default(900)
          .describe('A bound client that sends nothing for this long is closed (clients ping or send whitespace)'),
      })
      .prefault({}),
    component: z
      .strictObject({
        host: host('the XMPP component listener'),
        port: port
          .default(5347)
          .describe(
            'XMPP external component port (XEP-0114, `--xmpp-component-port`); listens only when `xmpp.components` lists one; 0 picks a free one',
          ),
        bytesPerSecond: count(256, 1024 * 1024 * 1024)
          .default(1024 * 1024)
          .describe('Bytes a component may send per second on average (a gateway speaks for many users)'),
      })
      .prefault({}),
    components: z
      .array(
        z.strictObject({
          domain: z
            .string()
            .min(3)
            .regex(/^[a-z0-9-]+\.[a-z0-9.-]+$/, 'a lower-case domain such as bots.example.com')
            .describe("The component's domain: a subdomain of a tenant's domain (`bots.example.com`)"),
          secret: z.string().min(16).max(1024).describe('The shared secret of its handshake (at least 16 characters)'),
        }),
      )
      .default([])
      .describe(
        'External components (XEP-0114: bots, gateways) that may connect to `xmpp.component`; each serves the addresses of its domain',
      ),
    resumeSeconds: count(0, 86_400)
      .default(300)
      .describe('How long a lost stream can be resumed (XEP-0198); its session stays online meanwhile'),
  })
  .prefault({});

export type XmppConfig = z.infer<typeof XmppConfigSchema>;
