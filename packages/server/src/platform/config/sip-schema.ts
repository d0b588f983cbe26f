import { isIP } from 'node:net';
import { z } from 'zod';
import { portSchema as port, tlsListenerSchema } from './listener-schema.js';

const ipAddress = z.string().refine((a) => isIP(a) !== 0, 'must be an IP address');
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
      .array(ipAddress)
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
    media: z
      .strictObject({
        address: ipAddress
          .optional()
          .describe(
            'Bind address of the media sockets (RTP of conferences and of calls whose digits Parley sends); default `sip.host`',
          ),
        advertise: ipAddress
          .optional()
          .describe(
            'Address phones send media to, put into the SDP (`c=`); default the bind address, which then must not be a wildcard (0.0.0.0, ::)',
          ),
        portRange: z
          .string()
          .regex(/^\d{1,5}-\d{1,5}$/, 'must be FIRST-LAST')
          .default('20000-20999')
          .transform((range) => {
            const [first = 0, last = 0] = range.split('-').map(Number);
            return { first, last };
          })
          .refine(
            ({ first, last }) => first >= 1024 && last <= 65535 && last - first >= 1,
            'must lie within 1024-65535 and hold at least one even port',
          )
          .describe(
            'UDP ports of the media sockets, `FIRST-LAST`; RTP takes the even ones (RFC 3550 §11), so the range holds (LAST − FIRST + 1) / 2 endpoints; RTCP is not served',
          ),
        maxParticipants: z
          .number()
          .int()
          .min(3)
          .max(32)
          .default(8)
          .describe(
            'Most parties of one conference Parley mixes (each costs a decode, a mix and an encode every 20 ms)',
          ),
        maxPacketBytes: z
          .number()
          .int()
          .min(172)
          .max(1500)
          .default(512)
          .describe('Largest RTP datagram a media socket takes (G.711 at 20 ms is 172 bytes); larger ones are dropped'),
        maxPacketsPerSecond: z
          .number()
          .int()
          .min(60)
          .max(10_000)
          .default(200)
          .describe(
            'RTP datagrams one media socket takes per second (a phone sends 50 of audio and 50 of digits at most); more are dropped',
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
