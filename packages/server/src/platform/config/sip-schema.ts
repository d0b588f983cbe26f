import { isIP } from 'node:net';
import { z } from 'zod';
import { portSchema as port, tlsListenerSchema } from './listener-schema.js';

const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

/** The `sip` section: listeners, registrar, digest and limits of the SIP adapter (RFC 3261). */
export const SipConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve SIP (`--no-sip` turns it off)'),
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the UDP, TCP and TLS listeners'),
    port: port.default(5060).describe('UDP and TCP port (the same number for both, RFC 3261 §18); 0 picks a free one'),
    tls: tlsListenerSchema({ protocol: 'SIP', enabled: true, port: 5061 }),
    websocket: z
      .boolean()
      .default(true)
      .describe('Serve SIP over WebSocket (RFC 7118) at `/sip-ws` on the HTTP listener'),
    advertise: z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or address')
      .optional()
      .describe(
        'Host name or address phones reach this node at, put into Via, Record-Route and Path; default the bind address (or the address a connection came in on when bound to all)',
      ),
    nodeHost: z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or address')
      .optional()
      .describe(
        'In a cluster: host name or address the other nodes reach this node’s SIP TCP port at (requests to phones whose TCP, TLS or WebSocket connection this node holds go through it); default `sip.advertise`, else the bind address (the host name when bound to all)',
      ),
    trustedProxies: z
      .array(z.string().refine((a) => isIP(a) !== 0, 'must be an IP address'))
      .default([])
      .describe(
        'Addresses of SIP proxies or balancers in front of this node (e.g. Kamailio with docs/deploy/kamailio-dispatcher.cfg): for a request from one, the phone’s address for the login throttle is read from the Via the proxy stamped (`received`), as `http.trustProxy` does with X-Forwarded-For',
      ),
    digestAlgorithms: z
      .array(z.enum(['SHA-256', 'MD5']))
      .min(1)
      .default(['MD5'])
      .describe(
        'Digest challenges a 401 offers, in order (RFC 8760). Many deployed phones fail on any SHA-256 challenge, so MD5 alone is the default; `["SHA-256", "MD5"]` offers both',
      ),
    ringSeconds: seconds(5, 600).default(60).describe('How long a call rings before it ends unanswered (480)'),
    nonceSeconds: seconds(10, 3600)
      .default(300)
      .describe('How long a digest nonce is good; after it a request gets a 401 with stale=true'),
    registration: z
      .strictObject({
        minExpires: seconds(10, 3600)
          .default(60)
          .describe('Shortest registration accepted (423 Interval Too Brief below)'),
        maxExpires: seconds(60, 86400)
          .default(3600)
          .describe('Longest registration granted (shorter ones are granted as asked)'),
        defaultExpires: seconds(10, 86400)
          .default(3600)
          .describe('Registration length when a phone does not ask for one'),
        maxContacts: z.number().int().min(1).max(100).default(10).describe('Contacts one address of record may hold'),
      })
      .prefault({}),
    federation: z
      .strictObject({
        peers: z
          .array(
            z.strictObject({
              domain: z
                .string()
                .regex(
                  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/,
                  'must be a lower-case domain name',
                )
                .describe(
                  'The other company\u2019s SIP domain (`other.example`); its server\u2019s certificate must name it',
                ),
              address: z
                .string()
                .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port')
                .optional()
                .describe(
                  'Where its SIP over TLS server is (`host:port`); without it DNS says (SRV `_sips._tcp.DOMAIN`, else the domain\u2019s address at 5061)',
                ),
            }),
          )
          .default([])
          .describe(
            'Domains whose SIP servers Parley calls and takes calls and presence subscriptions from, over mutually authenticated TLS; every other foreign domain gets 403',
          ),
        caFile: z
          .string()
          .optional()
          .describe(
            'PEM file of more certificate authorities to trust for peers (a private CA), besides the system ones',
          ),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxMessageBytes: z.number().int().min(1500).max(1048576).default(65535).describe('Largest SIP message'),
        maxTransactions: z
          .number()
          .int()
          .min(10)
          .max(1_000_000)
          .default(100_000)
          .describe(
            'Live transactions at most, answered ones still absorbing retransmissions included (over UDP a request keeps its transaction 32 s); more new requests are answered 503',
          ),
        maxTransactionsPerSource: z
          .number()
          .int()
          .min(10)
          .max(1_000_000)
          .default(500)
          .describe(
            'Requests one address may have unanswered at once (503 beyond), so a flood from one place leaves the server’s work to every other phone; raise it for a proxy or balancer that sends everyone’s requests',
          ),
        maxConnections: z
          .number()
          .int()
          .min(1)
          .max(1_000_000)
          .default(10_000)
          .describe('Open TCP, TLS and WebSocket connections at most'),
        idleSeconds: seconds(10, 86400)
          .default(600)
          .describe('A TCP or TLS connection with no message for this long is closed (phones send CRLF keep-alives)'),
      })
      .prefault({}),
  })
  .prefault({});

export type SipConfig = z.infer<typeof SipConfigSchema>;
