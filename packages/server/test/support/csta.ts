// A CSTA client for tests (both framings, TCP or TLS), and the call control and call settings the
// CSTA adapter is given in tests: over the real core's call model (core.calls) and lines, so the
// events a monitor sees come through the real bus. Services the test switch cannot do answer
// PARLEY_ERR_DEVICE_UNSUPPORTED, as a device that cannot do them does.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { FrameReader, type Framing, renderFrame } from '../../src/adapters/csta/framing.js';
import { parseMessage, textOf, type XmlElement } from '../../src/adapters/csta/xml.js';
import type { Services } from '../../src/compose.js';
import type { Actor, CallControl, ControlledDevice } from '../../src/core/calls/control.js';
import type { Party } from '../../src/core/calls/model.js';
import { notFound, ParleyError } from '../../src/core/errors.js';
import type { CallSettings, CallSettingsService } from '../../src/core/forwarding/model.js';

export interface CstaReply {
  invokeId: string | null;
  xml: string;
  root: XmlElement;
  namespace: string | null;
  /** `category/value` of a CSTAErrorCode. */
  error?: string;
  text(path: string): string | undefined;
}

const LIMITS = { maxBytes: 1_000_000, maxDepth: 64, maxElements: 100_000 };

/** Text at a `/`-separated path of child names below the root. */
function at(root: XmlElement, path: string): string | undefined {
  const parts = path.split('/');
  const last = parts.pop() as string;
  let el: XmlElement | undefined = root;
  for (const p of parts) el = el?.children.find((c) => c.name === p);
  return textOf(el, last);
}

export class CstaClient {
  private readonly reader = new FrameReader(65_535);
  private readonly inbox: CstaReply[] = [];
  private waiters: (() => void)[] = [];
  private nextId = 1;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: Socket,
    readonly framing: Framing,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk)) {
        const xml = f.xml.toString('utf8');
        const { root, namespace } = parseMessage(xml, LIMITS);
        const error = root.name === 'CSTAErrorCode' ? `${root.children[0]?.name}/${root.children[0]?.text}` : undefined;
        this.inbox.push({ invokeId: f.invokeId, xml, root, namespace, error, text: (p) => at(root, p) });
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    this.closed.then(() => this.wake());
    socket.on('error', () => undefined);
  }

  static async open(port: number, framing: Framing, tls = false): Promise<CstaClient> {
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new CstaClient(socket, framing);
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Sends a document; returns the invoke id it went with (header framing). */
  send(xml: string, invokeId = String(this.nextId++).padStart(4, '0')): string {
    this.socket.write(renderFrame(this.framing, invokeId, xml));
    return invokeId;
  }

  /** Writes raw bytes (broken frames in tests). */
  raw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** The next message `match` accepts (taken from the inbox), within `ms`. */
  async next(match: (m: CstaReply) => boolean = () => true, ms = 10_000): Promise<CstaReply> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex(match);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as CstaReply;
      if (this.socket.destroyed) throw new Error('CSTA connection closed while waiting');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching CSTA message within ${ms} ms; inbox: ${this.inbox.map((m) => m.root.name).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a request and waits for its answer (by invoke id; in NUL framing, the next non-event). */
  async ask(xml: string, invokeId?: string): Promise<CstaReply> {
    const id = this.send(xml, invokeId);
    return this.next((m) => (this.framing === 'header' ? m.invokeId === id : !/Event$/.test(m.root.name)));
  }

  /** The next event with this root name. */
  event(name: string, ms?: number): Promise<CstaReply> {
    return this.next((m) => m.root.name === name, ms);
  }

  pending(): string[] {
    return this.inbox.map((m) => m.root.name);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A StartApplicationSession with `SessionLoginInfo` (as AES applications send it). */
export const startSession = (user: string, password: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><StartApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><applicationInfo><applicationID>test</applicationID><applicationSpecificInfo><SessionLoginInfo xmlns="http://www.avaya.com/csta"><userName>${user}</userName><password>${password}</password></SessionLoginInfo></applicationSpecificInfo></applicationInfo>${extra}</StartApplicationSession>`;

const may = (actor: Actor, tenantId: string, userId: string) =>
  actor.tenantId === tenantId && (actor.scope === 'tenant' || actor.userId === userId);

/** Call control over the real core's call model: the calls it makes publish the real `call.*` events. */
export function coreCallControl(core: Services): CallControl {
  const partyOf = (d: ControlledDevice): Party => ({ userId: d.userId, lineId: d.lineId, lineNumber: d.number });
  const unsupported = async (): Promise<never> => {
    throw new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', 'the test switch cannot do this');
  };
  const self: CallControl = {
    async device(actor, ref) {
      const owned = await core.lines.resolve(actor.tenantId, ref);
      if (!owned || !may(actor, owned.line.tenantId, owned.user.id)) throw notFound('device');
      const { line } = owned;
      return { tenantId: line.tenantId, userId: line.userId, lineId: line.id, number: line.number, did: line.did };
    },
    async snapshotDevice(actor, ref) {
      const d = await self.device(actor, ref);
      return core.calls
        .ofUser(d.tenantId, d.userId)
        .filter((c) => c.connections.some((x) => x.party.lineId === d.lineId));
    },
    call(actor, callId) {
      const call = core.calls.get(actor.tenantId, callId);
      if (actor.scope === 'user' && !call.connections.some((c) => c.party.userId === actor.userId))
        throw notFound('call');
      return call;
    },
    calls: (actor) => (actor.userId ? core.calls.ofUser(actor.tenantId, actor.userId) : []),
    async makeCall(actor, o) {
      const from = await self.device(actor, o.from ?? '');
      const target = await core.lines.resolve(actor.tenantId, o.to);
      const to: Party = target
        ? { userId: target.user.id, lineId: target.line.id, lineNumber: target.line.number }
        : { number: o.to };
      const call = await core.calls.originate(from.tenantId, { from: partyOf(from), to: { dialled: o.to, party: to } });
      return core.calls.deliver(call.id, to);
    },
    answer: async (actor, callId, device) =>
      core.calls.establish(self.call(actor, callId).id, partyOf(await self.device(actor, device ?? ''))),
    clear: async (actor, callId, device) =>
      core.calls.clear(self.call(actor, callId).id, partyOf(await self.device(actor, device ?? ''))),
    hold: async (actor, callId, device) =>
      core.calls.hold(self.call(actor, callId).id, partyOf(await self.device(actor, device ?? ''))),
    retrieve: async (actor, callId, device) =>
      core.calls.retrieve(self.call(actor, callId).id, partyOf(await self.device(actor, device ?? ''))),
    alternate: unsupported,
    reconnect: unsupported,
    consult: unsupported,
    transfer: unsupported,
    singleStepTransfer: unsupported,
    conference: unsupported,
    deflect: unsupported,
    digits: unsupported,
    pickup: unsupported,
    callBack: unsupported,
  };
  return self;
}

/** Call settings kept in memory, published on the bus as the core's service does. */
export function memoryCallSettings(core: Services): CallSettingsService {
  const all = new Map<string, CallSettings>();
  const get = async (tenantId: string, userId: string): Promise<CallSettings> =>
    all.get(`${tenantId}/${userId}`) ?? {
      forwarding: {
        immediate: { enabled: false, to: null },
        busy: { enabled: false, to: null },
        noAnswer: { enabled: false, to: null, afterSeconds: 20 },
      },
      dnd: false,
      remoteOffice: { enabled: false, number: null },
      updatedAt: null,
    };
  const put = async (tenantId: string, userId: string, settings: CallSettings) => {
    all.set(`${tenantId}/${userId}`, settings);
    await core.ctx.bus.publish('callsettings.changed', { tenantId, userId, settings });
    return settings;
  };
  return {
    get,
    async setForwarding(tenantId, userId, type, rule) {
      const s = await get(tenantId, userId);
      const next = { ...s.forwarding[type], enabled: rule.enabled, ...(rule.to !== undefined && { to: rule.to }) };
      return put(tenantId, userId, { ...s, forwarding: { ...s.forwarding, [type]: next }, updatedAt: Date.now() });
    },
    setDnd: async (tenantId, userId, on) => put(tenantId, userId, { ...(await get(tenantId, userId)), dnd: on }),
    setRemoteOffice: async (tenantId, userId, remoteOffice) =>
      put(tenantId, userId, { ...(await get(tenantId, userId)), remoteOffice }),
    decide: async () => ({ kind: 'ring', alsoRing: null, onBusy: null, onNoAnswer: null }),
  };
}
