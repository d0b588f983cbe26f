// One CTI application's connection: ECMA-354 application session (login, expiry), the ECMA-269
// system services, invoke ids, and dispatch to the call services. It knows no socket: frames come
// in through `receive`, documents go out through `send`.
import { randomUUID } from 'node:crypto';
import type { Actor, CallControl, ControlledDevice } from '../../core/calls/control.js';
import { asParleyError } from '../../core/errors.js';
import type { CallSettingsService } from '../../core/forwarding/model.js';
import type { Unsubscribe } from '../../platform/bus/bus.js';
import type { Logger } from '../../platform/log.js';
import { type CstaError, CstaFailure, cstaError, toCstaError } from './errors.js';
import type { DeviceEvent, MonitoredDevice } from './events.js';
import { EVENT_INVOKE_ID, type Frame } from './framing.js';
import {
  featuresMarkup,
  renderError,
  renderEvent,
  renderResponse,
  sessionDocument,
  sessionNegative,
} from './render.js';
import { type CstaRequest, decodeRequest, isService } from './requests.js';
import { isCallService, runService, servedServices, subjectOf } from './services.js';
import {
  cstaNamespace,
  DEFAULT_EDITION,
  document,
  type Edition,
  editionOf,
  el,
  type Markup,
  parseMessage,
  SESSION_NAMESPACE,
  XmlBodyError,
  type XmlLimits,
} from './xml.js';

export interface SessionLimits {
  xml: XmlLimits;
  maxMonitors: number;
  /** Requests a connection may send per second (more are answered with an error, unread). */
  requestsPerSecond: number;
  /** ECMA-354 session duration in seconds: when none is asked, and the bounds of what is granted. */
  sessionSeconds: { default: number; min: number; max: number };
}

/** Who signed in: the actor the core checks every service against, and the account for logs. */
export interface Principal {
  actor: Actor;
  account: string;
}

export interface SessionDeps {
  /** Checks a login (through the core's one throttle); throws a ParleyError when refused. */
  login(userName: string, password: string): Promise<Principal>;
  control: CallControl;
  settings: CallSettingsService;
  /** Subscribes a device monitor (see `monitor.ts`). */
  watch(tenantId: string, device: MonitoredDevice, emit: (ev: DeviceEvent) => void): Promise<Unsubscribe>;
  /** Sends a document; `invokeId` null for what has none (NUL framing). */
  send(xml: string, invokeId: string | null): void;
  /** Ends the connection. */
  close(): void;
  /** Runs `fn` after `ms`; the returned function cancels it. */
  timer(fn: () => void, ms: number): () => void;
  now(): number;
  log: Logger;
  limits: SessionLimits;
}

interface Login {
  id: string;
  principal: Principal;
  seconds: number;
  cancelExpiry: () => void;
}

const SERVER_INVOKE_IDS = 9000;

export class CstaSession {
  private login: Login | undefined;
  private edition: Edition = DEFAULT_EDITION;
  private readonly monitors = new Map<string, { device: ControlledDevice; stop: Unsubscribe }>();
  private nextCrossRef = 1;
  private nextInvoke = 0;
  /** Requests read but not yet answered, by invoke id (header framing). */
  private readonly pending = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private window = { start: 0, count: 0 };
  private registerId: string | undefined;
  private ended = false;

  constructor(private readonly deps: SessionDeps) {}

  /** Whether an application signed in, and as what. */
  get principal(): Principal | undefined {
    return this.login?.principal;
  }

  /** Takes one frame: answered in order; errors never end the connection. */
  receive(frame: Frame): void {
    const invokeId = frame.invokeId;
    const now = this.deps.now();
    if (now - this.window.start >= 1000) this.window = { start: now, count: 0 };
    if (++this.window.count > this.deps.limits.requestsPerSecond) {
      this.fail(invokeId, cstaError('performanceManagement', 'performanceLimitExceeded', 'too many requests').error);
      return;
    }
    let message: ReturnType<typeof parseMessage>;
    try {
      message = parseMessage(frame.xml.toString('utf8'), this.deps.limits.xml);
    } catch (err) {
      if (!(err instanceof XmlBodyError)) throw err;
      this.deps.log.debug({ reason: err.message }, 'CSTA message refused');
      this.fail(invokeId, { category: 'operation', value: 'generic', reason: err.message });
      return;
    }
    const { root, namespace } = message;
    // An application's answer to a request of ours (SystemStatus, StopApplicationSession): nothing to do.
    if (/Response$/.test(root.name) || root.name === 'CSTAErrorCode') return;
    if (invokeId === EVENT_INVOKE_ID || (invokeId !== null && this.pending.has(invokeId))) {
      this.fail(invokeId, {
        category: 'operation',
        value: 'valueOutOfRange',
        reason: `invoke id ${invokeId} is reserved or in use`,
      });
      return;
    }
    const edition = editionOf(namespace);
    if (namespace?.includes('ecma-323') && edition === undefined) {
      this.fail(invokeId, {
        category: 'operation',
        value: 'invalidObjectType',
        reason: `namespace ${namespace} is not edition 2 to 6`,
      });
      return;
    }
    if (invokeId !== null) this.pending.add(invokeId);
    this.queue = this.queue
      .then(() => this.handle(root, edition, invokeId))
      .catch((err) => this.deps.log.error({ err }, 'CSTA request failed'))
      .finally(() => {
        if (invokeId !== null) this.pending.delete(invokeId);
      });
  }

  /** Ends the session: monitors and timers stop; `shutdown` tells a registered application first. */
  end(reason: 'closed' | 'shutdown'): void {
    if (this.ended) return;
    if (reason === 'shutdown' && this.registerId !== undefined) {
      this.request('SystemStatus', [el('sysStatRegisterID', this.registerId), el('systemStatus', 'disabled')]);
    }
    this.ended = true;
    this.logout();
  }

  /** Waits for the requests read so far to be answered. */
  settled(): Promise<void> {
    return this.queue;
  }

  private get namespace(): string {
    return cstaNamespace(this.edition);
  }

  private fail(invokeId: string | null, error: CstaError): void {
    this.deps.send(renderError(this.namespace, error), invokeId);
  }

  /** A request of the server's own (invoke ids 9000–9998: the events have 9999). */
  private request(root: 'SystemStatus' | 'StopApplicationSession', children: Markup[]): void {
    const id = String(SERVER_INVOKE_IDS + (this.nextInvoke++ % 999));
    const namespace = root === 'StopApplicationSession' ? SESSION_NAMESPACE : this.namespace;
    this.deps.send(document(root, namespace, children), id);
  }

  private async handle(
    root: Parameters<typeof decodeRequest>[0] | { name: string },
    edition: Edition | undefined,
    invokeId: string | null,
  ) {
    if (edition) this.edition = edition;
    if (root.name !== 'StartApplicationSession' && !this.login) {
      return this.fail(invokeId, {
        category: 'operation',
        value: 'securityViolation',
        reason: 'no application session: StartApplicationSession first',
      });
    }
    if (!isService(root.name)) {
      return this.fail(invokeId, {
        category: 'operation',
        value: 'invalidFeature',
        reason: `${root.name} is not a service Parley serves`,
      });
    }
    let req: CstaRequest;
    try {
      req = decodeRequest(root as Parameters<typeof decodeRequest>[0]);
    } catch (err) {
      if (err instanceof CstaFailure) return this.fail(invokeId, err.error);
      throw err;
    }
    const reply = (xml: string) => this.deps.send(xml, invokeId);
    if (isCallService(req)) {
      const login = this.login as Login;
      try {
        const children = await runService(req, {
          actor: login.principal.actor,
          control: this.deps.control,
          settings: this.deps.settings,
          monitors: { start: (d) => this.startMonitor(d), stop: (id) => this.stopMonitor(id) },
        });
        return reply(renderResponse(this.namespace, req.service, children));
      } catch (err) {
        const { error, internal } = toCstaError(err, subjectOf(req.service));
        const log = {
          service: req.service,
          account: login.principal.account,
          error: `${error.category}/${error.value}`,
          reason: error.reason,
        };
        if (internal) this.deps.log.error({ ...log, err }, 'CSTA service failed');
        else this.deps.log.debug(log, 'CSTA service refused');
        return this.fail(invokeId, error);
      }
    }
    switch (req.service) {
      case 'StartApplicationSession':
        return reply(await this.start(req));
      case 'StopApplicationSession':
        if (req.sessionId !== this.login?.id)
          return reply(sessionNegative('StopApplicationSessionNegResponse', 'invalidSessionID'));
        // The connection ends with its session: a connection without one would only hold resources.
        this.ended = true;
        this.logout();
        reply(sessionDocument('StopApplicationSessionPosResponse'));
        return this.deps.close();
      case 'ResetApplicationSessionTimer': {
        const login = this.login as Login;
        if (req.sessionId !== login.id)
          return reply(sessionNegative('ResetApplicationSessionTimerNegResponse', 'invalidSessionID'));
        this.arm(login, this.duration(req.requestedDuration));
        return reply(
          sessionDocument('ResetApplicationSessionTimerPosResponse', [el('actualSessionDuration', login.seconds)]),
        );
      }
      case 'RequestSystemStatus':
        return reply(renderResponse(this.namespace, req.service, [el('systemStatus', 'normal')]));
      case 'SystemStatus':
        return reply(renderResponse(this.namespace, req.service));
      case 'SystemRegister':
        this.registerId ??= String(this.nextCrossRef++);
        return reply(renderResponse(this.namespace, req.service, [el('sysStatRegisterID', this.registerId)]));
      case 'GetCSTAFeatures': {
        return reply(renderResponse(this.namespace, req.service, featuresMarkup(servedServices)));
      }
    }
  }

  /** ECMA-354 §7.1 StartApplicationSession: the protocol version, the login, the granted duration. */
  private async start(req: Extract<CstaRequest, { service: 'StartApplicationSession' }>): Promise<string> {
    const negative = (error: Parameters<typeof sessionNegative>[1]) =>
      sessionNegative('StartApplicationSessionNegResponse', error);
    if (this.login) return negative('invalidApplicationInfo');
    let edition = this.edition;
    if (req.protocolVersions.length > 0) {
      const offered = req.protocolVersions.map(editionOf).find((e) => e !== undefined);
      if (offered === undefined) return negative('requestedProtocolVersionNotSupported');
      edition = offered;
    }
    if (!req.userName || req.password === null) return negative('invalidApplicationInfo');
    let principal: Principal;
    try {
      principal = await this.deps.login(req.userName, req.password);
    } catch (err) {
      const code = asParleyError(err)?.code;
      if (code === undefined) throw err;
      this.deps.log.info({ account: req.userName, code }, 'CSTA login refused');
      return negative('invalidApplicationInfo');
    }
    if (this.ended) return negative('invalidApplicationInfo');
    this.edition = edition;
    const login: Login = { id: randomUUID(), principal, seconds: 0, cancelExpiry: () => undefined };
    this.arm(login, this.duration(req.requestedDuration));
    this.login = login;
    this.deps.log.info(
      { account: principal.account, scope: principal.actor.scope, application: req.applicationId },
      'CSTA session started',
    );
    return sessionDocument('StartApplicationSessionPosResponse', [
      el('sessionID', login.id),
      el('actualProtocolVersion', cstaNamespace(edition)),
      el('actualSessionDuration', login.seconds),
    ]);
  }

  /** The duration granted for one asked (seconds), within the configured bounds. */
  private duration(asked: number | null): number {
    const { default: d, min, max } = this.deps.limits.sessionSeconds;
    return Math.min(max, Math.max(min, asked ?? d));
  }

  /** (Re)starts the expiry (ECMA-354 §7.3): when it runs out, the session ends and the connection closes. */
  private arm(login: Login, seconds: number): void {
    login.cancelExpiry();
    login.seconds = seconds;
    login.cancelExpiry = this.deps.timer(() => {
      if (this.login !== login) return;
      this.deps.log.info({ account: login.principal.account }, 'CSTA session expired');
      this.request('StopApplicationSession', [
        el('sessionID', login.id),
        el('sessionEndReason', [el('definedEndReason', 'normal')]),
      ]);
      this.end('closed');
      this.deps.close();
    }, seconds * 1000);
  }

  private logout(): void {
    this.login?.cancelExpiry();
    this.login = undefined;
    for (const { stop } of this.monitors.values()) stop();
    this.monitors.clear();
  }

  private async startMonitor(device: ControlledDevice): Promise<string> {
    if (this.monitors.size >= this.deps.limits.maxMonitors) {
      throw cstaError(
        'subscribedResourceAvailability',
        'objectMonitorLimitExceeded',
        `over ${this.deps.limits.maxMonitors} monitors`,
      );
    }
    const crossRefId = String(this.nextCrossRef++);
    const watched: MonitoredDevice = { lineId: device.lineId, number: device.number, userId: device.userId };
    const stop = await this.deps.watch(device.tenantId, watched, (ev) => {
      if (this.monitors.has(crossRefId)) this.deps.send(renderEvent(this.namespace, crossRefId, ev), EVENT_INVOKE_ID);
    });
    if (!this.login || this.ended) {
      stop();
      throw cstaError('operation', 'securityViolation', 'the session ended');
    }
    this.monitors.set(crossRefId, { device, stop });
    return crossRefId;
  }

  private stopMonitor(crossRefId: string): void {
    const monitor = this.monitors.get(crossRefId);
    if (!monitor) throw cstaError('operation', 'invalidCrossRefID', `no monitor ${crossRefId}`);
    monitor.stop();
    this.monitors.delete(crossRefId);
  }
}
