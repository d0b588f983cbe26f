import { isAbsolute } from 'node:path';
import { TimeZone } from '@parley/api';
import { z } from 'zod';
import { allowEntryError } from '../outbound.js';
import { CstaConfigSchema } from './csta-schema.js';
import { LdapConfigSchema } from './ldap-schema.js';
import { checkMail, JournalConfigSchema, SmtpConfigSchema } from './mail-schema.js';
import { SipConfigSchema } from './sip-schema.js';
import { XmppConfigSchema } from './xmpp-schema.js';

const port = z.number().int().min(0).max(65535);
const host = z.string().min(1).describe('Bind address (IPv4, IPv6 or host name)');

/**
 * The one configuration schema: types, defaults, validation and `docs/configuration.md` come from
 * here. Every listener has its own bind address and port (DESIGN §5).
 */
export const ConfigSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('./data')
      .describe('Data folder: the SQLite database and, later, attachments and recordings.'),
    database: z
      .strictObject({
        url: z
          .string()
          .regex(/^(sqlite:|postgres:\/\/|postgresql:\/\/)/, 'must start with sqlite:, postgres:// or postgresql://')
          .optional()
          .describe(
            '`sqlite:PATH` or `postgres://user@host:port/db`; default SQLite file parley.sqlite in the data folder.',
          ),
        poolSize: z.number().int().min(1).max(200).default(10).describe('Connections in the PostgreSQL pool'),
      })
      .prefault({}),
    log: z
      .strictObject({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info')
          .describe('Minimum log level'),
        format: z
          .enum(['auto', 'json', 'pretty'])
          .default('auto')
          .describe('`auto` is pretty on a terminal and JSON otherwise'),
      })
      .prefault({}),
    http: z
      .strictObject({
        host: host.default('127.0.0.1'),
        port: port
          .default(8080)
          .describe('HTTP port for the API, the event WebSocket and the web app; 0 picks a free one'),
        bodyLimit: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(1024 * 1024)
          .describe('Largest request body in bytes (413 above)'),
        publicUrl: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe(
            "The address users reach this HTTP listener at (`https://chat.example.com`, behind a proxy or load balancer), for links handed to clients of other protocols (XEP-0363 upload and download links); default: the listener's own address",
          ),
        trustProxy: z
          .boolean()
          .default(false)
          .describe('Take the client address from X-Forwarded-For (behind a load balancer)'),
        heartbeatSeconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .default(25)
          .describe('Heartbeat interval on the event WebSocket'),
        maxSocketsPerSession: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(10)
          .describe(
            'Event WebSockets one session may hold open on a node; a further one is closed at once with code 4429',
          ),
        shutdownGraceSeconds: z
          .number()
          .int()
          .min(0)
          .max(600)
          .default(10)
          .describe('How long shutdown waits for in-flight requests'),
        drainSeconds: z
          .number()
          .min(0)
          .max(60)
          .optional()
          .describe(
            'On shutdown, how long /readyz answers 503 while still serving, so a load balancer stops sending new connections first; default 3 in a cluster, 0 otherwise',
          ),
        cookieSecure: z
          .enum(['auto', 'always', 'never'])
          .default('auto')
          .describe(
            "`Secure` flag of the web app's session cookie: `auto` sets it over HTTPS (see `trustProxy`) and for loopback names (127.0.0.1, localhost), which browsers treat as secure; `always` if TLS ends at a proxy that does not send X-Forwarded-Proto; `never` only for plain HTTP on a LAN name",
          ),
        metrics: z
          .strictObject({
            token: z
              .string()
              .min(16)
              .max(512)
              .optional()
              .describe(
                'Bearer token that `GET /metrics` requires (at least 16 characters). Without a token and without `port`, /metrics is not served at all',
              ),
            host: host.default('127.0.0.1').describe('Bind address of the separate /metrics listener'),
            port: port
              .optional()
              .describe(
                'A listener of its own that serves only `/metrics` (e.g. 9464, on `host`); with it the main listener never serves /metrics',
              ),
          })
          .prefault({}),
      })
      .prefault({}),
    auth: z
      .strictObject({
        sessionTtlHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 365)
          .default(24 * 30)
          .describe('Lifetime of a login session'),
        sessionIdleMinutes: z
          .number()
          .int()
          .min(1)
          .max(60 * 24 * 365)
          .default(720)
          .describe(
            'A session unused this long ends (an open event socket counts as use, so an app left open stays signed in)',
          ),
        ticketTtlSeconds: z
          .number()
          .int()
          .min(5)
          .max(300)
          .default(30)
          .describe('Lifetime of a one-time WebSocket ticket'),
        scryptCost: z
          .number()
          .int()
          .refine((n) => n >= 1024 && (n & (n - 1)) === 0, 'must be a power of two of at least 1024')
          .default(32768)
          .describe('scrypt N for new password hashes'),
        scramIterations: z
          .number()
          .int()
          .min(4096)
          .max(1_000_000)
          .default(10_000)
          .describe(
            'PBKDF2 iterations of the SCRAM-SHA-256 and SCRAM-SHA-1 keys (XMPP) made at the next password change; a user keeps the stored count until then. 10,000 is what Prosody uses by default, so every common XMPP client handles it, and it is the cap of constrained clients; RFC 7677 asks for at least 4,096. Above 100,000 SCRAM clients that bound the count (node-postgres, the MongoDB drivers, irssi) refuse to log in',
          ),
        maxConcurrentHashes: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(2)
          .describe(
            "Password hashes (scrypt) computed at once; keep it below libuv's thread pool (UV_THREADPOOL_SIZE, 4 unless set; `parley` sets 8) so file reads and DNS always find a thread",
          ),
        maxQueuedHashes: z
          .number()
          .int()
          .min(0)
          .max(10_000)
          .default(200)
          .describe(
            'Sign-ins that may wait for a hashing slot; beyond that the worst-placed one (most recent failures, then the address holding the most places) is refused (429) without hashing',
          ),
        maxQueuedHashesPerAddress: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(32)
          .describe(
            "Sign-ins from one client address that may wait for a hashing slot (a company behind one NAT address signs in at once); a further one is refused (429) without hashing, and an address's waiting sign-ins go after those of addresses that hold fewer places",
          ),
        throttle: z
          .strictObject({
            maxFailures: z
              .number()
              .int()
              .min(1)
              .max(1000)
              .default(5)
              .describe(
                'Failed logins of one account from one client address before that pair is throttled; its success clears them',
              ),
            maxFailuresPerAddress: z
              .number()
              .int()
              .min(1)
              .max(100_000)
              .default(20)
              .describe(
                'Failed logins from one client address (IPv6: per /64), on any accounts, before the address is throttled; a success does not clear them',
              ),
            maxFailuresPerAccount: z
              .number()
              .int()
              .min(0)
              .max(100_000)
              .default(100)
              .describe(
                'Failed logins of one account from all addresses before addresses that have not signed in to it recently are throttled for it (0: off)',
              ),
            trustedDays: z
              .number()
              .min(0.001)
              .max(365)
              .default(30)
              .describe(
                "How long an address that signed in to an account is judged by that pair's own budget only (exempt from the address and account budgets)",
              ),
            windowSeconds: z.number().int().min(1).default(900).describe('How long failures are remembered'),
            baseDelaySeconds: z
              .number()
              .min(0.1)
              .default(1)
              .describe('First lock-out; doubles with each further failure'),
            maxDelaySeconds: z.number().min(1).default(900).describe('Longest lock-out'),
          })
          .prefault({}),
      })
      .prefault({}),
    messaging: z
      .strictObject({
        maxMessageLength: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(4000)
          .describe('Longest message text in characters (413 above)'),
        attachments: z
          .strictObject({
            dir: z
              .string()
              .min(1)
              .optional()
              .describe('Folder for attachment files; default `attachments` in the data folder'),
            maxBytes: z
              .number()
              .int()
              .min(1)
              .max(1024 * 1024 * 1024)
              .default(10 * 1024 * 1024)
              .describe('Largest attachment in bytes (413 above)'),
            types: z
              .array(
                z
                  .string()
                  .regex(/^[a-z0-9.+-]+\/([a-z0-9.+-]+|\*)$/, 'must be a media type such as image/png or image/*'),
              )
              .default(['image/*', 'audio/*', 'video/*', 'application/pdf', 'text/plain', 'application/zip'])
              .describe('Accepted attachment media types (415 for others); `type/*` accepts a whole type'),
            userQuotaMegabytes: z
              .number()
              .positive()
              .max(1024 * 1024)
              .default(1024)
              .describe(
                'Attachment storage per user in MiB, sent and unsent uploads together (413 PARLEY_ERR_QUOTA_EXCEEDED beyond)',
              ),
            tenantQuotaMegabytes: z
              .number()
              .positive()
              .max(1024 * 1024 * 1024)
              .default(20 * 1024)
              .describe('Attachment storage per tenant in MiB (413 PARLEY_ERR_QUOTA_EXCEEDED beyond)'),
            unsentHours: z
              .number()
              .positive()
              .max(24 * 365)
              .default(24)
              .describe('Uploads not sent with a message within this many hours are deleted (file and record)'),
          })
          .prefault({}),
        rateLimit: z
          .strictObject({
            burst: z
              .number()
              .int()
              .min(1)
              .max(1_000_000)
              .default(30)
              .describe(
                'Messages a user may send at once before the sustained rate applies (429 with Retry-After beyond); counted on each node',
              ),
            perSecond: z
              .number()
              .positive()
              .max(1_000_000)
              .default(10)
              .describe('Messages per second a user may send in the long run (a token bucket refilled at this rate)'),
          })
          .prefault({}),
      })
      .prefault({}),
    secrets: z
      .strictObject({
        keyFile: z
          .string()
          .min(1)
          .optional()
          .describe(
            'File with the 32-byte key (base64) that encrypts stored secrets such as calendar passwords (AES-256-GCM); default `secrets.key` in the data folder, created with mode 0600 on first use',
          ),
      })
      .prefault({}),
    directory: z
      .strictObject({
        maxUploadMegabytes: z
          .number()
          .min(1)
          .max(1024)
          .default(50)
          .describe('Largest CSV or vCard file an import through the API accepts (413 beyond)'),
        localFolders: z
          .array(z.string().refine((p) => isAbsolute(p), 'must be an absolute folder path'))
          .default([])
          .describe(
            "Folders on the server in which a system administrator may point a `file` source's `path` or an `sql` source's `sqlite:` URL (symbolic links resolved); never the data folder, the attachments folder, the secrets key's folder or the database, nor /proc, /sys, /dev. Empty: no local files or databases. Tenant administrators upload files instead",
          ),
        limits: z
          .strictObject({
            maxTimeoutSeconds: z
              .number()
              .int()
              .min(1)
              .max(3600)
              .default(120)
              .describe('Highest `timeoutMs` of a directory source (SQL query step, HTTP request, LDAP request)'),
            maxResponseBytes: z
              .number()
              .int()
              .min(1024)
              .max(1024 * 1024 * 1024)
              .default(20 * 1024 * 1024)
              .describe('Highest `maxBytes` of an HTTP source: the largest answer (page) it reads'),
            maxFileBytes: z
              .number()
              .int()
              .min(1024)
              .max(1024 * 1024 * 1024)
              .default(50 * 1024 * 1024)
              .describe('Highest `maxBytes` of a file source: the largest file it reads from its path'),
            maxContacts: z
              .number()
              .int()
              .min(1)
              .max(100_000_000)
              .default(1_000_000)
              .describe(
                'Most contacts one sync of a source may deliver; a sync beyond fails and keeps the last good contacts',
              ),
          })
          .prefault({})
          .describe(
            "Server-wide caps of every directory source's own limits: a source set above one is refused, and a lowered cap applies to stored sources at their next sync",
          ),
      })
      .prefault({}),
    outbound: z
      .strictObject({
        allow: z
          .array(
            z
              .string()
              .min(1)
              .superRefine((entry, ctx) => {
                const error = allowEntryError(entry);
                if (error) ctx.addIssue({ code: 'custom', message: error });
              }),
          )
          .default([])
          .describe(
            'Hosts (`crm.example.com`; `*.corp.example` for the names under corp.example), addresses or ranges (`10.1.2.0/24`, `fd00::/8`) that server-side connections (calendars, directory sources, later SMTP and webhooks) may reach although they are loopback, private, link-local or otherwise internal; everything else internal is refused. A host name allows whatever it resolves to except cloud metadata addresses, which only an address or range allows. In the environment: comma-separated',
          ),
      })
      .prefault({}),
    federation: z
      .strictObject({
        caFile: z
          .string()
          .optional()
          .describe(
            'PEM file of more certificate authorities to trust for federated XMPP servers (a private CA), besides the system ones',
          ),
        dnsServers: z
          .array(
            z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[0-9.]+)(:\d{1,5})?$/, 'must be an address, with :port if not 53'),
          )
          .default([])
          .describe(
            'DNS servers for the SRV and address lookups of federated domains (`10.0.0.2`, `[::1]:5353`); the system\u2019s when empty. In the environment: comma-separated',
          ),
        checkTimeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(60)
          .default(5)
          .describe(
            'How long `parley federation check` and a server-to-server connection wait for each answer (a lookup, a connect, a handshake, the features)',
          ),
      })
      .prefault({})
      .describe('Federation with other companies\u2019 XMPP servers: trust, lookups and the diagnostics'),
    calendar: z
      .strictObject({
        pollSeconds: z.number().int().min(5).max(86_400).default(300).describe('How often each calendar is polled'),
        concurrency: z.number().int().min(1).max(64).default(4).describe('Calendars polled at the same time'),
        timeoutSeconds: z.number().int().min(1).max(300).default(20).describe('Timeout of one calendar request'),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(5 * 1024 * 1024)
          .describe('Largest calendar response in bytes'),
        windowDays: z
          .number()
          .int()
          .min(1)
          .max(366)
          .default(14)
          .describe('Days ahead that are expanded into busy blocks'),
        timeZone: TimeZone.default('UTC').describe('Zone for all-day events and times without a zone'),
        maxInstances: z
          .number()
          .int()
          .min(100)
          .max(1_000_000)
          .default(10_000)
          .describe(
            'Most event instances one calendar may have in the expanded window, all events together; a calendar with more is marked failed as too complex',
          ),
        maxRecurrenceSteps: z
          .number()
          .int()
          .min(1000)
          .max(10_000_000)
          .default(100_000)
          .describe(
            'Most recurrence steps one calendar may take to expand, all events together and counting the steps before the window; a calendar with more is marked failed as too complex',
          ),
        expandTimeoutSeconds: z
          .number()
          .min(0.01)
          .max(300)
          .default(5)
          .describe(
            'Time limit for parsing and expanding one calendar; its worker thread is terminated and replaced when it runs longer, and the calendar is marked failed',
          ),
        workers: z
          .number()
          .int()
          .min(1)
          .max(16)
          .default(2)
          .describe('Worker threads that parse and expand calendars, off the main thread'),
        maxQueuedExpansions: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(100)
          .describe('Calendars waiting for a worker at most; a poll beyond it fails and is retried later'),
        workerMemoryMegabytes: z
          .number()
          .int()
          .min(32)
          .max(16_384)
          .default(256)
          .describe('Heap limit of each calendar worker thread; a calendar that needs more is marked failed'),
        maxBackoffHours: z
          .number()
          .min(0.01)
          .max(720)
          .default(24)
          .describe(
            'Longest wait before a failing calendar is polled again: each failed poll in a row doubles the wait, starting from `calendar.pollSeconds`',
          ),
      })
      .prefault({}),
    bootstrap: z
      .strictObject({
        demoTenant: z
          .boolean()
          .default(true)
          .describe(
            'On first start with an empty database, create tenant example.test with alice, bob, carol and admin',
          ),
      })
      .prefault({}),
    sip: SipConfigSchema,
    smtp: SmtpConfigSchema,
    journal: JournalConfigSchema,
    csta: CstaConfigSchema,
    ldap: LdapConfigSchema,
    xmpp: XmppConfigSchema,
    cluster: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe('Run as one node of a cluster: PostgreSQL for data, NATS as bus. On when a NATS URL is set'),
        nodeId: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, dashes or underscores')
          .optional()
          .describe("This node's id, unique in the cluster; default host name and HTTP port."),
        nats: z
          .strictObject({
            url: z
              .string()
              .regex(/^(nats|tls):\/\/\S+$/, 'must be a nats:// or tls:// URL (several separated by commas)')
              .optional()
              .describe('NATS server(s), e.g. nats://127.0.0.1:4222.'),
            subjectPrefix: z
              .string()
              .regex(/^[A-Za-z0-9_-]{1,32}$/)
              .default('parley')
              .describe('First token of every subject; installations sharing one NATS need different ones'),
          })
          .prefault({}),
        heartbeatSeconds: z
          .number()
          .min(0.2)
          .max(60)
          .default(2)
          .describe('How often a node writes its heartbeat to the NATS key-value store'),
        nodeTimeoutSeconds: z
          .number()
          .min(1)
          .max(600)
          .default(10)
          .describe(
            "How long after a node's last heartbeat the others drop its connections' presence (its users show offline or their other clients' state)",
          ),
        leaseSeconds: z
          .number()
          .min(1)
          .max(600)
          .default(10)
          .describe(
            'How long a scheduled job (calendar polling, presence schedule) stays with a node that stopped renewing its lease before another node takes it',
          ),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    checkMail(c, ctx);
    if (c.cluster.nodeTimeoutSeconds <= c.cluster.heartbeatSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'nodeTimeoutSeconds'],
        message: 'must be longer than cluster.heartbeatSeconds',
      });
    }
    if (!clusterEnabled(c)) return;
    if (!c.database.url?.startsWith('postgres')) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'enabled'],
        message: 'cluster mode needs PostgreSQL (database.url or PARLEY_DB=postgres://…); SQLite serves one node only',
      });
    }
    if (c.cluster.nats.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'nats', 'url'],
        message: 'cluster mode needs a NATS URL (PARLEY_NATS)',
      });
    }
  });

export type Config = z.output<typeof ConfigSchema>;

/** Whether this node runs in a cluster: asked for, or implied by a NATS URL. */
export const clusterEnabled = (c: Config) => c.cluster.enabled ?? c.cluster.nats.url !== undefined;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Short environment names kept for convenience; every other leaf is PARLEY_<PATH_IN_SNAKE_CASE>. */
export const envAliases: Record<string, string> = {
  PARLEY_DATA: 'dataDir',
  PARLEY_DB: 'database.url',
  PARLEY_NATS: 'cluster.nats.url',
  PARLEY_NODE_ID: 'cluster.nodeId',
  PARLEY_XMPP_PORT: 'xmpp.c2s.port',
};
