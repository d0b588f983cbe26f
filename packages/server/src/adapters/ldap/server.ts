// The LDAP adapter: the MetaDirectory, read-only over LDAPv3 (RFC 4511) for desk phones and mail
// clients, on `ldap.port` (StartTLS when a certificate is configured or LDAPS is on) and on
// `ldap.tls.port` with direct TLS. Off unless a port is set. Each connection gets its framing and
// session (session.ts); the directory is asked through `core.directory` only.
import { createServer, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext, TLSSocket } from 'node:tls';
import type { Services } from '../../compose.js';
import { asParleyError } from '../../core/errors.js';
import type { LdapConfig } from '../../platform/config/ldap-schema.js';
import { loadCertificate } from '../../platform/tls.js';
import type { Adapter, AdapterContext } from '../adapter.js';
import { BerError, frameLength } from './ber.js';
import { ldapBind } from './bind.js';
import { Result } from './messages.js';
import type { Phonebook } from './search.js';
import { type Binding, type LdapLimits, LdapSession } from './session.js';

/** Bytes waiting to be sent to a client before it counts as not reading (and is dropped). */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

type LdapSettings = LdapConfig & { dataDir: string };

export function ldapAdapter(): Adapter<LdapSettings> {
  const connections = new Set<LdapSession>();
  return {
    name: 'ldap',
    config: (config) => ({ ...config.ldap, dataDir: config.dataDir }),
    async start(ctx) {
      const { host, port, tls } = ctx.config;
      let pem: { cert: string; key: string } | null = null;
      if (tls.port !== undefined || tls.cert) {
        const certificate = await loadCertificate({
          certFile: tls.cert,
          keyFile: tls.key,
          dataDir: ctx.config.dataDir,
          name: 'ldap',
          hosts: [host, 'localhost', '127.0.0.1'],
        });
        if (certificate.selfSigned) {
          ctx.log.info('LDAPS uses a self-signed certificate (set ldap.tls.cert and ldap.tls.key for a real one)');
        }
        pem = { cert: certificate.cert, key: certificate.key };
      }
      const secure = pem && createSecureContext(pem);
      if (port !== undefined) {
        const server = createServer((socket) => accept(ctx, connections, socket, secure, false));
        await ctx.listen(server, { name: 'ldap', setting: 'ldap', host, port, serves: 'LDAP phone book' });
      }
      if (pem && tls.port !== undefined) {
        const server = createTlsServer(pem, (socket) => accept(ctx, connections, socket, null, true));
        await ctx.listen(server, {
          name: 'ldaps',
          setting: 'ldap.tls',
          host,
          port: tls.port,
          serves: 'LDAP phone book over TLS',
        });
      }
    },
    stop() {
      for (const session of connections) session.disconnect(Result.unavailable, 'the server is shutting down');
    },
  };
}

/** The directory of a bound connection: lookups, typeahead and listing of its tenant, as its viewer sees them. */
export function phonebookOf(core: Services, binding: Binding): Phonebook {
  const directory = core.directory.tenant(binding.tenantId);
  return {
    async lookup(number) {
      try {
        return await directory.lookup(number, binding.viewer);
      } catch (err) {
        if (asParleyError(err)?.code === 'PARLEY_ERR_VALIDATION') return null;
        throw err;
      }
    },
    search: (text, limit, infix) => directory.search(text, binding.viewer, limit, infix),
    list: (from, count) => directory.list(binding.viewer, from, count),
  };
}

/** A session's limits from the `ldap.limits` settings. */
export function sessionLimits(limits: LdapConfig['limits']): LdapLimits {
  return {
    maxBytes: limits.maxMessageBytes,
    maxDepth: limits.maxDepth,
    maxElements: limits.maxElements,
    maxEntries: limits.maxEntries,
    maxSeconds: limits.maxSeconds,
    requestsPerSecond: limits.requestsPerSecond,
    maxPending: limits.maxPending,
    maxPagedSearches: limits.maxPagedSearches,
  };
}

function accept(
  ctx: AdapterContext<LdapSettings>,
  connections: Set<LdapSession>,
  plain: Socket,
  startTls: SecureContext | null,
  tls: boolean,
): void {
  const { limits } = ctx.config;
  const address = plain.remoteAddress ?? null;
  const log = ctx.log.child({ address, port: plain.remotePort });
  if (connections.size >= limits.maxConnections) {
    log.warn({ maxConnections: limits.maxConnections }, 'LDAP connection refused: too many connections');
    plain.destroy();
    return;
  }
  plain.setNoDelay(true);
  let socket: Socket = plain;
  let buffered: Buffer = Buffer.alloc(0);
  const session = new LdapSession({
    bind: (name, password) => ldapBind(ctx.core, address, name, password),
    phonebook: (binding) => phonebookOf(ctx.core, binding),
    send: (bytes) => {
      if (socket.destroyed) return;
      if (socket.writableLength > MAX_UNSENT_BYTES) {
        log.warn('LDAP client does not read what it is sent: connection closed');
        socket.destroy();
        return;
      }
      socket.write(bytes);
    },
    close: () => {
      socket.end(() => socket.destroy());
      setTimeout(() => socket.destroy(), 2000).unref();
    },
    startTls: startTls
      ? () => {
          // The StartTLS response is written in the clear; what the client sends next is its TLS hello.
          plain.removeListener('data', onData);
          const secured = new TLSSocket(plain, { isServer: true, secureContext: startTls });
          secured.on('data', onData);
          secured.on('error', (err) => log.debug({ err }, 'LDAP StartTLS failed'));
          socket = secured;
        }
      : null,
    tls,
    limits: sessionLimits(limits),
    now: () => ctx.core.ctx.clock.now(),
    log,
  });
  connections.add(session);
  function onData(chunk: Buffer): void {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    try {
      for (let n = frameLength(buffered, limits.maxMessageBytes); n !== null; ) {
        const frame = buffered.subarray(0, n);
        buffered = buffered.subarray(n);
        session.receive(frame);
        n = frameLength(buffered, limits.maxMessageBytes);
      }
    } catch (err) {
      // Only this connection ends; every other goes on.
      if (err instanceof BerError) session.disconnect(Result.protocolError, err.message);
      else {
        log.error({ err }, 'LDAP connection closed: unexpected failure');
        socket.destroy();
      }
    }
  }
  plain.on('data', onData);
  plain.setTimeout(limits.idleSeconds * 1000, () => session.disconnect(Result.unavailable, 'idle for too long'));
  plain.on('error', (err) => log.debug({ err }, 'LDAP connection error'));
  plain.on('close', () => connections.delete(session));
}
