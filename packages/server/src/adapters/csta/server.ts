// The CSTA adapter (DESIGN §5: port 7200): CSTA XML over TCP, and over TLS when configured, for
// CTI applications. Each connection gets its own framing (see framing.ts) and session (session.ts).
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { CallControl } from '../../core/calls/control.js';
import type { CallSettingsService } from '../../core/forwarding/model.js';
import type { CstaConfig } from '../../platform/config/csta-schema.js';
import { loadCertificate } from '../../platform/tls.js';
import type { Adapter, AdapterContext } from '../adapter.js';
import { FrameError, FrameReader, renderFrame } from './framing.js';
import { cstaLogin } from './login.js';
import { watchDevice } from './monitor.js';
import { CstaSession } from './session.js';

/** What the adapter controls calls and call settings with: the core's call control and call settings. */
interface CstaServices {
  control: CallControl;
  settings: CallSettingsService;
}

/** Bytes waiting to be sent to one application before it counts as not reading (and is dropped). */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

type CstaSettings = CstaConfig & { dataDir: string };

export function cstaAdapter(): Adapter<CstaSettings> {
  const connections = new Map<Socket, CstaSession>();
  return {
    name: 'csta',
    config: (config) => ({ ...config.csta, dataDir: config.dataDir }),
    async start(ctx) {
      if (!ctx.config.enabled) return;
      const services: CstaServices = { control: ctx.core.control, settings: ctx.core.forwarding };
      const serve = (socket: Socket) => accept(ctx, services, connections, socket);
      const { host, port, tls } = ctx.config;
      await ctx.listen(createServer(serve), {
        name: 'csta',
        setting: 'csta',
        host,
        port,
        serves: 'CSTA XML (ECMA-323)',
      });
      if (tls.enabled) {
        const certificate = await loadCertificate({
          certFile: tls.cert,
          keyFile: tls.key,
          dataDir: ctx.config.dataDir,
          name: 'csta',
          hosts: [host, 'localhost', '127.0.0.1'],
        });
        if (certificate.selfSigned) {
          ctx.log.info(
            'CSTA over TLS uses a self-signed certificate (set csta.tls.cert and csta.tls.key for a real one)',
          );
        }
        const server = createTlsServer({ cert: certificate.cert, key: certificate.key }, serve);
        await ctx.listen(server, {
          name: 'csta-tls',
          setting: 'csta.tls',
          host,
          port: tls.port,
          serves: 'CSTA XML over TLS',
        });
      }
    },
    stop() {
      // Registered applications hear that the system goes down (SystemStatus disabled), then the connection ends.
      for (const [socket, session] of connections) {
        session.end('shutdown');
        hangUp(socket);
      }
    },
  };
}

/**
 * Writes a frame to an application. The frames written by one run of event handlers (a call
 * step's events at every monitor of its devices) leave together in one write, as soon as those
 * handlers have run: before the rest of what the step does (its presence update and the store
 * writes behind it), which a write deferred to the next turn of the event loop would wait for.
 * The socket's Nagle is off, so the write leaves at once instead of waiting for a delayed ACK.
 */
export function writeBatched(socket: Socket, frame: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    queueMicrotask(() => socket.uncork());
  }
  socket.write(frame);
}

/** How long a closing connection may take to deliver what is still queued for it. */
const HANG_UP_MS = 2000;

/** Ends a connection once what is queued is sent, or after HANG_UP_MS for an application that does not read. */
function hangUp(socket: Socket): void {
  socket.end(() => socket.destroy());
  setTimeout(() => socket.destroy(), HANG_UP_MS).unref();
}

function accept(
  ctx: AdapterContext<CstaSettings>,
  options: CstaServices,
  connections: Map<Socket, CstaSession>,
  socket: Socket,
): void {
  const { limits, session: seconds } = ctx.config;
  const peer = { address: socket.remoteAddress ?? null, port: socket.remotePort };
  const log = ctx.log.child(peer);
  if (connections.size >= limits.maxConnections) {
    log.warn({ maxConnections: limits.maxConnections }, 'CSTA connection refused: too many connections');
    socket.destroy();
    return;
  }
  socket.setNoDelay(true);
  const reader = new FrameReader(limits.maxFrameBytes);
  const session = new CstaSession({
    login: (userName, password) => cstaLogin(ctx.core, peer.address, userName, password),
    control: options.control,
    settings: options.settings,
    watch: (tenantId, device, emit) =>
      watchDevice({ bus: ctx.core.ctx.bus, settings: options.settings }, tenantId, device, emit),
    send: (xml, invokeId) => {
      if (socket.destroyed) return;
      if (socket.writableLength > MAX_UNSENT_BYTES) {
        log.warn('CSTA application does not read what it is sent: connection closed');
        socket.destroy();
        return;
      }
      try {
        writeBatched(socket, renderFrame(reader.framing ?? 'header', invokeId, xml));
      } catch (err) {
        log.error({ err }, 'CSTA message could not be framed');
      }
    },
    close: () => hangUp(socket),
    timer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
    now: () => ctx.core.ctx.clock.now(),
    log,
    limits: {
      xml: { maxBytes: limits.maxFrameBytes, maxDepth: limits.maxDepth, maxElements: limits.maxElements },
      maxMonitors: limits.maxMonitors,
      requestsPerSecond: limits.requestsPerSecond,
      sessionSeconds: { default: seconds.defaultSeconds, min: seconds.minSeconds, max: seconds.maxSeconds },
    },
  });
  connections.set(socket, session);
  log.debug('CSTA connection opened');
  const login = setTimeout(() => {
    if (session.principal) return;
    log.info({ loginSeconds: limits.loginSeconds }, 'CSTA connection closed: no application session started');
    socket.destroy();
  }, limits.loginSeconds * 1000);
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of reader.push(chunk)) session.receive(frame);
    } catch (err) {
      // Only this connection ends; every other session goes on.
      if (err instanceof FrameError) log.info({ reason: err.message }, 'CSTA connection closed: broken framing');
      else log.error({ err }, 'CSTA connection closed: unexpected failure');
      socket.destroy();
    }
  });
  socket.on('error', (err) => log.debug({ err }, 'CSTA connection error'));
  socket.on('close', () => {
    clearTimeout(login);
    connections.delete(socket);
    session.end('closed');
    log.debug('CSTA connection closed');
  });
}
