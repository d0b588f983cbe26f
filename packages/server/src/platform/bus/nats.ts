import { connect, type Msg, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import type { Logger } from '../log.js';
import type { Bus, Handler, Routable, SubscribeOptions, Unsubscribe } from './bus.js';
import { LocalSubscription } from './local-subscription.js';

/**
 * Subjects: `<prefix>.ev.<type>.<tenantId>.<userId | _>`, every part encoded as one NATS token.
 * A subscription listens on the narrowest subject its routing key allows, so the server only sends
 * a node the events its local subscribers asked for:
 *   all events of a type   `<prefix>.ev.<type>.*.*`
 *   one tenant's           `<prefix>.ev.<type>.<tenantId>.*`
 *   one user's             `<prefix>.ev.<type>.*.<userId>`
 */

/** The user token of an event published without a `userId`. */
const NO_USER = '_';

/**
 * Encodes any string as one NATS subject token, injectively and readably for common ids:
 * `[A-Za-z0-9-]` stay as they are, every other UTF-8 byte becomes `_XX` (hex), so `message.created`
 * is `message_2Ecreated` and a UUID is itself. The empty string is `__` and the absent user `_`;
 * neither can come out of the escaping (an escape `_` is always followed by two hex digits).
 */
export function subjectToken(value: string): string {
  if (value === '') return '__';
  let out = '';
  for (const ch of value) {
    if (/^[A-Za-z0-9-]$/.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A subject prefix: one or more dot-separated tokens without wildcards or whitespace. */
const PREFIX = /^[^.*>\s]+(\.[^.*>\s]+)*$/;

export interface NatsBusOptions {
  /** Leading subject tokens (default `parley`); a different prefix isolates deployments and test runs. */
  prefix?: string;
  /** Whether `close()` also drains and closes the connection (default true). */
  ownsConnection?: boolean;
}

/** One NATS subscription per subject, shared by every local subscription with that routing key. */
interface SubjectSubscription {
  nats: NatsSubscription;
  locals: Set<LocalSubscription>;
}

/**
 * The bus of the cluster deployment, on core NATS publish/subscribe. Events are JSON.
 *
 * Order: handlers of one subscription see events in the order the server received them; events
 * published by one node (one connection) keep that node's publish order, as on the in-process bus.
 * There is no order between events published concurrently by different nodes.
 */
export class NatsBus<M extends { [K in keyof M]: Routable }> implements Bus<M> {
  readonly prefix: string;
  private readonly ownsConnection: boolean;
  private readonly subjects = new Map<string, SubjectSubscription>();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(
    /** The connection; exposed for health checks and for the JetStream/KV users sharing it. */
    readonly connection: NatsConnection,
    private readonly log: Logger,
    options: NatsBusOptions = {},
  ) {
    this.prefix = options.prefix ?? 'parley';
    if (!PREFIX.test(this.prefix)) throw new Error(`invalid NATS subject prefix: ${JSON.stringify(this.prefix)}`);
    this.ownsConnection = options.ownsConnection ?? true;
  }

  /** The subject an event is published on. */
  subjectOf(type: string, payload: Routable): string {
    const user = payload.userId !== undefined ? subjectToken(payload.userId) : NO_USER;
    return `${this.prefix}.ev.${subjectToken(type)}.${subjectToken(payload.tenantId)}.${user}`;
  }

  /** The subject a subscription listens on (with wildcards for what its routing key leaves open). */
  subscriptionSubject(type: string, options: SubscribeOptions = {}): string {
    const base = `${this.prefix}.ev.${subjectToken(type)}`;
    if (options.userId !== undefined) return `${base}.*.${subjectToken(options.userId)}`;
    if (options.tenantId !== undefined) return `${base}.${subjectToken(options.tenantId)}.*`;
    return `${base}.*.*`;
  }

  /**
   * Resolves once the server has the event (so it is ordered before anything published later).
   * While the connection is down and reconnecting, events are buffered in order and sent on
   * reconnect; publish then resolves at once instead of failing what the caller already stored
   * (the nodes tell their clients to resync after a reconnect).
   */
  async publish<T extends keyof M & string>(type: T, payload: M[T]): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    this.connection.publish(this.subjectOf(type, payload), JSON.stringify(payload));
    try {
      await this.connection.flush();
    } catch (err) {
      if (this.connection.isClosed()) throw err;
      this.log.debug({ err, type }, 'NATS unreachable: event buffered until it reconnects');
    }
  }

  subscribe<T extends keyof M & string>(type: T, handler: Handler<M[T]>, options: SubscribeOptions = {}): Unsubscribe {
    // A closed bus delivers nothing; late subscribers (e.g. during shutdown) get a no-op.
    if (this.closed) return () => undefined;
    const local = new LocalSubscription(handler as Handler<never>, this.log);
    const subject = this.subscriptionSubject(type, options);
    let entry = this.subjects.get(subject);
    if (!entry) {
      const locals = new Set<LocalSubscription>();
      const nats = this.connection.subscribe(subject, {
        callback: (err, msg) => {
          if (err) this.log.error({ err, subject }, 'event subscription failed');
          else this.deliver(type, msg, locals);
        },
      });
      entry = { nats, locals };
      this.subjects.set(subject, entry);
    }
    const { locals } = entry;
    locals.add(local);
    return () => {
      if (!local.cancel()) return;
      locals.delete(local);
      const current = this.subjects.get(subject);
      if (locals.size === 0 && current?.locals === locals && !this.closed) {
        this.subjects.delete(subject);
        current.nats.unsubscribe();
      }
    };
  }

  /** Resolves once the NATS server has processed every subscription made so far. */
  async flush(): Promise<void> {
    await this.connection.flush();
  }

  /** Stops delivery after the events already received are handled, then drains the connection. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    const entries = [...this.subjects.values()];
    this.subjects.clear();
    // Unsubscribes, and hands the messages already on their way to the callbacks.
    if (!this.connection.isClosed()) {
      await Promise.all(
        entries.map((entry) =>
          entry.nats.drain().catch((err: unknown) => this.log.warn({ err }, 'draining an event subscription failed')),
        ),
      );
    }
    await Promise.all(entries.flatMap((entry) => [...entry.locals].map((local) => local.idle())));
    if (this.ownsConnection && !this.connection.isClosed()) {
      await this.connection
        .drain()
        .catch((err: unknown) => this.log.warn({ err }, 'draining the NATS connection failed'));
    }
  }

  private deliver(type: string, msg: Msg, locals: Set<LocalSubscription>): void {
    let payload: unknown;
    try {
      payload = msg.json();
    } catch (err) {
      this.log.error({ err, subject: msg.subject }, 'undecodable event');
      return;
    }
    for (const local of locals) local.enqueue(type, payload);
  }
}

export interface ConnectNatsBusOptions extends Omit<NatsBusOptions, 'ownsConnection'> {
  /** The connection name the server shows (e.g. the node id). */
  name?: string;
}

/**
 * Connects to NATS (failing if the first connection fails; reconnecting forever once connected,
 * with each disconnect and reconnect logged) and returns a bus that owns the connection.
 */
export async function connectNatsBus<M extends { [K in keyof M]: Routable }>(
  url: string | string[],
  log: Logger,
  options: ConnectNatsBusOptions = {},
): Promise<NatsBus<M>> {
  const connection = await connect({
    servers: url,
    ...(options.name !== undefined ? { name: options.name } : {}),
    reconnect: true,
    maxReconnectAttempts: -1,
  });
  const servers = Array.isArray(url) ? url : [url];
  log.info({ servers, server: connection.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const status of connection.status()) {
      switch (status.type) {
        case 'disconnect':
          log.warn({ server: status.server }, 'disconnected from NATS');
          break;
        case 'reconnect':
          log.info({ server: status.server }, 'reconnected to NATS');
          break;
        case 'error':
          log.error({ err: status.error }, 'NATS error');
          break;
        case 'slowConsumer':
          log.warn({ subject: status.sub.getSubject(), pending: status.pending }, 'NATS slow consumer');
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => log.error({ err }, 'NATS status monitor failed'));
  return new NatsBus<M>(connection, log, options.prefix !== undefined ? { prefix: options.prefix } : {});
}
