import { Socket as UdpSocket } from 'node:dgram';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { WebSocket } from 'ws';
import type { Services } from '../compose.js';
import { envOf } from '../platform/config/load.js';
import type { Config } from '../platform/config/schema.js';
import type { Logger } from '../platform/log.js';
import type { Metrics } from '../platform/metrics.js';

/** A request on the shared HTTP listener as a mounted path sees it, whatever serves HTTP. */
export interface MountedRequest {
  method: string;
  url: string;
  /** The host (and port) the client asked for; from X-Forwarded-Host when `http.trustProxy` is set. */
  host: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  /** The client's address (from X-Forwarded-For when `http.trustProxy` is set). */
  ip: string;
}

/** Paths an adapter serves on the shared HTTP listener (e.g. `/xmpp-websocket`, `/sip-ws`). */
export interface HttpMount {
  /**
   * A plain HTTP route: the handler answers on node's own request and response, and reads the
   * request's body itself (whatever its Content-Type).
   */
  route(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'OPTIONS', path: string, handler: RawHandler): void;
  /**
   * A WebSocket path. `authenticate` runs before the upgrade: what it throws (a ParleyError) is the
   * HTTP answer and no socket opens; what it returns is handed to `accept` with the open socket.
   */
  websocket<T>(path: string, handlers: WebSocketHandlers<T>): void;
}

/** A route's handler: node's request and response, and the request as a mounted path sees it (its client's address). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, mounted: MountedRequest) => void | Promise<void>;

export interface WebSocketHandlers<T> {
  authenticate(req: MountedRequest): Promise<T>;
  accept(socket: WebSocket, auth: T, req: MountedRequest): void;
}

/** Where a listener binds: `setting` is its configuration section, the one with `host` and `port`. */
export interface ListenAt {
  /** The listener's name in logs and `/readyz` (e.g. `http`, `metrics`, `xmpp-c2s`). */
  name: string;
  /** The configuration section holding `host` and `port` (e.g. `http`, `xmpp.c2s`). */
  setting: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The URL scheme in the listener's address; the transport (`tcp`, `tls`, `udp`) by default. */
  scheme?: string;
  /** What the listener serves, for the log line. */
  serves: string;
}

/** A bound listener: the address and port it actually got. */
export interface Listener {
  adapter: string;
  name: string;
  transport: 'tcp' | 'tls' | 'udp';
  host: string;
  port: number;
  url: string;
  serves: string;
}

/** Something that binds: a node:net, node:tls or node:http server, or a node:dgram socket. */
export type Bindable = Server | UdpSocket;

/** The shared HTTP listener, as the adapter that runs it offers it to the adapters after it. */
export interface SharedHttp {
  mount: HttpMount;
  /** The server to bind, once every adapter has mounted its paths. */
  server(): Promise<Server>;
}

/** What an adapter gets when it starts. */
export interface AdapterContext<C> {
  /** The core services: an adapter calls these, never the store. */
  core: Services;
  /** The server's log, as a child naming the adapter. */
  log: Logger;
  /** This adapter's configuration section (`Adapter.config`). */
  config: C;
  metrics: Metrics;
  /** Paths on the shared HTTP listener; mounted during `start`, served once every adapter has started. */
  http: HttpMount;
  /**
   * Binds a listener of the adapter's own (created with node:net, node:tls, node:http or
   * node:dgram, handlers attached); resolves with its address. Closed after the adapter stops.
   */
  listen(server: Bindable, at: ListenAt): Promise<Listener>;
  /** For the adapter that runs the shared HTTP listener: offers it to the adapters after it. */
  serveHttp(shared: SharedHttp, at: ListenAt): void;
  /** Every listener bound so far (for readiness). */
  listeners(): Listener[];
}

/**
 * A protocol plugged into the server: it translates its protocol to core calls and core events to
 * its protocol. Started in list order, stopped in reverse.
 * @example
 * export const echoAdapter: Adapter<Config['echo']> = {
 *   name: 'echo',
 *   config: (c) => c.echo,
 *   async start(ctx) {
 *     await ctx.listen(createServer((s) => s.pipe(s)), { name: 'echo', setting: 'echo', ...ctx.config, serves: 'echo' });
 *   },
 *   stop() {},
 * };
 */
export interface Adapter<C = unknown> {
  name: string;
  /** Picks the adapter's section of the configuration. */
  config(config: Config): C;
  start(ctx: AdapterContext<C>): void | Promise<void>;
  /** Stops serving: closes its connections (its listeners are closed by the host after this). */
  stop(): void | Promise<void>;
}

/** A listener that could not bind: one line naming the setting to change. */
export class ListenError extends Error {
  constructor(at: ListenAt, err: NodeJS.ErrnoException) {
    const port = `${at.setting}.port`;
    const host = `${at.setting}.host`;
    const messages: Record<string, string> = {
      EADDRINUSE: `${port} ${at.port} on ${at.host} is already in use (EADDRINUSE); set ${envOf(port)} or ${port} to another port`,
      EACCES: `${port} ${at.port} on ${at.host} needs privileges this process does not have (EACCES); set ${envOf(port)} or ${port} to a port above 1023`,
      EADDRNOTAVAIL: `${host} ${at.host} is not an address of this machine (EADDRNOTAVAIL); set ${envOf(host)} or ${host} to one of its addresses`,
      ENOTFOUND: `${host} ${at.host} is not a known host name (ENOTFOUND); set ${envOf(host)} or ${host} to an address of this machine`,
    };
    super(messages[err.code ?? ''] ?? `${at.name} on ${at.host} port ${at.port} (${port}): ${err.message}`, {
      cause: err,
    });
    this.name = 'ListenError';
  }
}

const transportOf = (server: Bindable): Listener['transport'] =>
  server instanceof UdpSocket ? 'udp' : server instanceof TlsServer ? 'tls' : 'tcp';

/** Binds `server` at `at`; a failure is a ListenError. */
async function bind(server: Bindable, at: ListenAt): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ListenError(at, err));
    server.once('error', failed);
    const listening = () => {
      server.off('error', failed);
      resolve();
    };
    if (server instanceof UdpSocket) server.bind(at.port, at.host, listening);
    else server.listen(at.port, at.host, listening);
  });
  return server.address() as AddressInfo;
}

/** Closes a listener the adapter has not closed itself. */
function close(server: Bindable): Promise<void> {
  return new Promise((resolve) => {
    if (server instanceof UdpSocket) {
      try {
        server.close(() => resolve());
      } catch {
        resolve(); // closed already
      }
    } else if (server.listening) server.close(() => resolve());
    else resolve();
  });
}

interface Started {
  adapter: Adapter;
  log: Logger;
  servers: Bindable[];
  listeners: Listener[];
}

/**
 * Starts adapters in order and stops them in reverse, each with its listeners. The shared HTTP
 * listener binds once every adapter has mounted its paths. If anything fails to start, what
 * started before it and the failing adapter itself are stopped again, and the error goes on.
 */
export class AdapterHost {
  private readonly started: Started[] = [];

  constructor(private readonly deps: { core: Services; config: Config; metrics: Metrics }) {}

  /** Every bound listener, in the order of the adapters. */
  listeners(): Listener[] {
    return this.started.flatMap((s) => s.listeners);
  }

  /** Resolves with every listener's bound address. */
  async start(adapters: Adapter[]): Promise<Listener[]> {
    let shared: { owner: Started; http: SharedHttp; at: ListenAt } | undefined;
    const mounted: string[] = [];
    const sharedMount = () => {
      if (!shared) throw new Error('no adapter before this one serves HTTP: start the HTTP adapter first');
      return shared.http.mount;
    };
    const mount: HttpMount = {
      route(method, path, handler) {
        sharedMount().route(method, path, handler);
        mounted.push(`${method} ${path}`);
      },
      websocket(path, handlers) {
        sharedMount().websocket(path, handlers);
        mounted.push(path);
      },
    };
    try {
      for (const adapter of adapters) {
        const log = this.deps.core.ctx.log.child({ adapter: adapter.name });
        const entry: Started = { adapter, log, servers: [], listeners: [] };
        this.started.push(entry);
        await adapter.start({
          core: this.deps.core,
          log: entry.log,
          config: adapter.config(this.deps.config),
          metrics: this.deps.metrics,
          http: mount,
          listen: (server, at) => this.listen(entry, server, at),
          serveHttp: (http, at) => {
            if (shared) throw new Error(`${adapter.name}: ${shared.owner.adapter.name} already serves HTTP`);
            shared = { owner: entry, http, at };
          },
          listeners: () => this.listeners(),
        });
        entry.log.debug('adapter started');
      }
      if (shared) {
        const { owner, http, at } = shared;
        await this.listen(owner, await http.server(), { ...at, serves: [at.serves, ...mounted].join(', ') });
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    return this.listeners();
  }

  private async listen(entry: Started, server: Bindable, at: ListenAt): Promise<Listener> {
    entry.servers.push(server);
    const address = await bind(server, at);
    const transport = transportOf(server);
    const host = at.host.includes(':') ? `[${at.host}]` : at.host;
    const listener: Listener = {
      adapter: entry.adapter.name,
      name: at.name,
      transport,
      host: at.host,
      port: address.port,
      url: `${at.scheme ?? transport}://${host}:${address.port}`,
      serves: at.serves,
    };
    entry.listeners.push(listener);
    return listener;
  }

  /** Stops every started adapter in reverse order, then closes its listeners; failures are logged. */
  async stop(): Promise<void> {
    // One at a time: an adapter stopping still sees the listeners of those before it.
    for (let entry = this.started.pop(); entry; entry = this.started.pop()) {
      const { adapter, log, servers } = entry;
      try {
        await adapter.stop();
      } catch (err) {
        log.warn({ err }, 'adapter did not stop cleanly');
      }
      await Promise.all(servers.map(close));
      log.debug('adapter stopped');
    }
  }
}
