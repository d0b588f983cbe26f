// The ECMA-269 services over the core's call control (core/calls/control.ts) and call settings
// (core/forwarding/model.ts): each handler reads a typed request and gives the response's children.

import type { Actor, CallControl, ControlledDevice } from '../../core/calls/control.js';
import type { Call, Connection } from '../../core/calls/model.js';
import type { CallSettingsService } from '../../core/forwarding/model.js';
import { cstaError, type Subject } from './errors.js';
import { connectionIdOf, deviceIdOf, forwardingTypeNames, localState } from './events.js';
import { connectionMarkup } from './render.js';
import type { ConnectionRef, CstaRequest, ServiceName } from './requests.js';
import { el, type Markup } from './xml.js';

/** What a handler works with: who asks, the core's call control and call settings, and the session's monitors. */
export interface ServiceContext {
  actor: Actor;
  control: CallControl;
  settings: CallSettingsService;
  /** MonitorStart / MonitorStop of the session; resolve with the cross reference id. */
  monitors: {
    start(device: ControlledDevice): Promise<string>;
    stop(crossRefId: string): void;
  };
}

type Of<S extends ServiceName> = Extract<CstaRequest, { service: S }>;
type Handler<S extends ServiceName> = (req: Of<S>, ctx: ServiceContext) => Promise<(Markup | undefined)[]>;

/** A CSTA service and what its failures name when the core finds nothing (`invalidDeviceID`/`invalidCallID`). */
interface Service<S extends ServiceName> {
  subject: Subject;
  run(req: Of<S>, ctx: ServiceContext): ReturnType<Handler<S>>;
}

/** The device's connection in the call (a live one first); else the caller's. */
function connectionOf(call: Call, device?: string): Connection | undefined {
  const mine = call.connections.filter((c) => device !== undefined && deviceIdOf(c.party) === device);
  return mine.find((c) => c.state !== 'null') ?? mine[0] ?? call.connections.find((c) => c.role === 'calling');
}

/** The ConnectionID of `device` (or the caller) in `call`, as `name`. */
const connectionIn = (name: string, call: Call, device?: string): Markup => {
  const c = connectionOf(call, device);
  return connectionMarkup(name, c ? connectionIdOf(call, c) : { callId: call.id, deviceId: device ?? '' });
};

/** The call a connection names; one naming only its device means the device's one call. */
async function callIdOf(ctx: ServiceContext, ref: ConnectionRef): Promise<string> {
  if (ref.callId) return ref.callId;
  const calls = await ctx.control.snapshotDevice(ctx.actor, ref.device ?? '');
  const [only, ...more] = calls;
  if (!only || more.length > 0)
    throw cstaError('operation', 'invalidCallID', `device ${ref.device} has ${calls.length} calls`);
  return only.id;
}

/** A connection-only service of CallControl that answers with an empty response. */
const onConnection = (op: (c: CallControl, actor: Actor, callId: string, device?: string) => Promise<Call>) => ({
  subject: 'call' as const,
  run: async (req: { connection: ConnectionRef }, ctx: ServiceContext) => {
    await op(ctx.control, ctx.actor, await callIdOf(ctx, req.connection), req.connection.device);
    return [];
  },
});

/** A service on a held and an active call; `answer` names the response's connection, if any. */
const onPair = (
  op: (c: CallControl, actor: Actor, held: string, active: string, device?: string) => Promise<Call>,
  answer?: string,
) => ({
  subject: 'call' as const,
  run: async (req: { held: ConnectionRef; active: ConnectionRef }, ctx: ServiceContext) => {
    const device = req.active.device ?? req.held.device;
    const call = await op(
      ctx.control,
      ctx.actor,
      await callIdOf(ctx, req.held),
      await callIdOf(ctx, req.active),
      device,
    );
    return answer ? [connectionIn(answer, call, device)] : [];
  },
});

/** The user whose settings a device request changes: the device's owner, if the actor may control it. */
async function ownerOf(ctx: ServiceContext, device: string): Promise<ControlledDevice> {
  return ctx.control.device(ctx.actor, device);
}

/** Who a call-related CallBack (ECMA-269 §17.1.4) waits for: the party the device called, or the caller. */
function callBackTarget(call: Call, ref: ConnectionRef): string {
  const calledByDevice = ref.device === undefined || deviceIdOf(call.caller) === ref.device;
  const other = deviceIdOf(calledByDevice ? call.called : call.caller);
  if (typeof other !== 'string')
    throw cstaError('operation', 'invalidCalledDeviceID', 'the call names no device to call back');
  return other;
}

/** Every call control service, by request name. */
export const callServices: { [S in Exclude<ServiceName, SessionService>]: Service<S> } = {
  MakeCall: {
    subject: 'device',
    run: async (req, ctx) => {
      const call = await ctx.control.makeCall(ctx.actor, { from: req.from, to: req.to });
      const calling = call.connections.find((c) => c.role === 'calling');
      return [
        connectionMarkup(
          'callingDevice',
          calling ? connectionIdOf(call, calling) : { callId: call.id, deviceId: req.from },
        ),
      ];
    },
  },
  AnswerCall: onConnection((c, a, id, d) => c.answer(a, id, d)),
  ClearConnection: onConnection((c, a, id, d) => c.clear(a, id, d)),
  HoldCall: onConnection((c, a, id, d) => c.hold(a, id, d)),
  RetrieveCall: onConnection((c, a, id, d) => c.retrieve(a, id, d)),
  AlternateCall: onPair((c, a, h, x, d) => c.alternate(a, h, x, d)),
  ReconnectCall: onPair((c, a, h, x, d) => c.reconnect(a, h, x, d)),
  TransferCall: onPair((c, a, h, x, d) => c.transfer(a, h, x, d), 'transferredCall'),
  ConferenceCall: onPair((c, a, h, x, d) => c.conference(a, h, x, d), 'conferenceCall'),
  ConsultationCall: {
    subject: 'call',
    run: async (req, ctx) => {
      const call = await ctx.control.consult(ctx.actor, await callIdOf(ctx, req.existing), req.to, req.existing.device);
      return [connectionIn('initiatedCall', call, req.existing.device)];
    },
  },
  SingleStepTransferCall: {
    subject: 'call',
    run: async (req, ctx) => {
      const call = await ctx.control.singleStepTransfer(
        ctx.actor,
        await callIdOf(ctx, req.active),
        req.to,
        req.active.device,
      );
      return [connectionIn('transferredCall', call, req.to)];
    },
  },
  DeflectCall: {
    subject: 'call',
    run: async (req, ctx) => {
      await ctx.control.deflect(ctx.actor, await callIdOf(ctx, req.connection), req.to, req.connection.device);
      return [];
    },
  },
  GenerateDigits: {
    subject: 'call',
    run: async (req, ctx) => {
      await ctx.control.digits(ctx.actor, await callIdOf(ctx, req.connection), req.digits, req.connection.device);
      return [];
    },
  },
  DirectedPickupCall: {
    subject: 'call',
    run: async (req, ctx) => {
      const call = await ctx.control.pickup(ctx.actor, {
        callId: req.call.callId,
        at: req.call.device,
        into: req.into,
      });
      return [connectionIn('pickedCall', call, req.into)];
    },
  },
  GroupPickupCall: {
    subject: 'device',
    run: async (req, ctx) => {
      const call = await ctx.control.pickup(ctx.actor, req.into ? { into: req.into } : {});
      return [connectionIn('pickedCall', call, req.into ?? undefined)];
    },
  },
  CallBack: {
    subject: 'call',
    run: async (req, ctx) => {
      const c = ctx.control;
      const call = c.call(ctx.actor, await callIdOf(ctx, req.connection));
      await c.callBack(ctx.actor, { to: callBackTarget(call, req.connection), from: req.connection.device });
      return [];
    },
  },
  CallBackNonCallRelated: {
    subject: 'device',
    run: async (req, ctx) => {
      await ctx.control.callBack(ctx.actor, { to: req.to, from: req.from });
      return [];
    },
  },
  CancelCallBack: {
    subject: 'device',
    run: async (req, ctx) => {
      await ctx.control.cancelCallBack(ctx.actor, { to: req.to, from: req.from });
      return [];
    },
  },
  SnapshotDevice: {
    subject: 'device',
    run: async (req, ctx) => {
      const c = ctx.control;
      const device = await c.device(ctx.actor, req.device);
      const calls = await c.snapshotDevice(ctx.actor, req.device);
      const items = calls.flatMap((call) => {
        const mine = connectionOf(call, device.number);
        if (!mine || deviceIdOf(mine.party) !== device.number) return [];
        return [
          el('snapshotDeviceResponseInfo', [
            connectionMarkup('connectionIdentifier', connectionIdOf(call, mine)),
            el('localCallState', [el('compoundCallState', [el('localConnectionState', localState(mine.state))])]),
          ]),
        ];
      });
      return [el('crossRefIDorSnapshotData', [el('snapshotData', items.length > 0 ? items : undefined)])];
    },
  },
  SnapshotCall: {
    subject: 'call',
    run: async (req, ctx) => {
      const call = ctx.control.call(ctx.actor, await callIdOf(ctx, req.call));
      const items = call.connections
        .filter((c) => c.state !== 'null')
        .map((c) => {
          const id = deviceIdOf(c.party);
          return el('snapshotCallResponseInfo', [
            el('deviceOnCall', [typeof id === 'string' ? el('deviceIdentifier', id) : el(id.none)]),
            connectionMarkup('callIdentifier', connectionIdOf(call, c)),
            el('localConnectionState', localState(c.state)),
          ]);
        });
      return [el('crossRefIDorSnapshotData', [el('snapshotData', items.length > 0 ? items : undefined)])];
    },
  },
  MonitorStart: {
    subject: 'device',
    run: async (req, ctx) => {
      const device = await ctx.control.device(ctx.actor, req.device);
      return [el('monitorCrossRefID', await ctx.monitors.start(device))];
    },
  },
  MonitorStop: {
    subject: 'device',
    run: async (req, ctx) => {
      ctx.monitors.stop(req.crossRefId);
      return [];
    },
  },
  SetForwarding: {
    subject: 'device',
    run: async (req, ctx) => {
      const owner = await ownerOf(ctx, req.device);
      if (
        req.on &&
        req.to === null &&
        req.type !== 'noAnswer' &&
        !(await ctx.settings.get(owner.tenantId, owner.userId)).forwarding[req.type].to
      ) {
        throw cstaError('operation', 'invalidForwardingDestination', 'forwarding needs a forwardDN');
      }
      await ctx.settings.setForwarding(owner.tenantId, owner.userId, req.type, {
        enabled: req.on,
        ...(req.to !== null && { to: req.to }),
        // A ring cycle is about five seconds (1 s on, 4 s off).
        ...(req.ringCount !== null && { afterSeconds: Math.max(1, req.ringCount) * 5 }),
      });
      return [];
    },
  },
  GetForwarding: {
    subject: 'device',
    run: async (req, ctx) => {
      const owner = await ownerOf(ctx, req.device);
      const { forwarding } = await ctx.settings.get(owner.tenantId, owner.userId);
      const items = (Object.keys(forwardingTypeNames) as (keyof typeof forwardingTypeNames)[]).map((type) =>
        el('forwardListItem', [
          el('forwardingType', forwardingTypeNames[type]),
          el('forwardStatus', forwarding[type].enabled),
          forwarding[type].to ? el('forwardDN', forwarding[type].to) : undefined,
        ]),
      );
      return [el('forwardingList', items)];
    },
  },
  SetDoNotDisturb: {
    subject: 'device',
    run: async (req, ctx) => {
      const owner = await ownerOf(ctx, req.device);
      await ctx.settings.setDnd(owner.tenantId, owner.userId, req.on);
      return [];
    },
  },
  GetDoNotDisturb: {
    subject: 'device',
    run: async (req, ctx) => {
      const owner = await ownerOf(ctx, req.device);
      return [el('doNotDisturbOn', (await ctx.settings.get(owner.tenantId, owner.userId)).dnd)];
    },
  },
};

/** The services the session itself answers (application session and system services). */
export type SessionService =
  | 'StartApplicationSession'
  | 'StopApplicationSession'
  | 'ResetApplicationSessionTimer'
  | 'RequestSystemStatus'
  | 'SystemStatus'
  | 'SystemRegister'
  | 'GetCSTAFeatures';

export type CallServiceName = Exclude<ServiceName, SessionService>;
export type CallRequest = Extract<CstaRequest, { service: CallServiceName }>;
type AnyService = {
  subject: Subject;
  run(req: CallRequest, ctx: ServiceContext): Promise<(Markup | undefined)[]>;
};
const serviceOf = (name: CallServiceName) => callServices[name] as unknown as AnyService;

export const isCallService = (req: CstaRequest): req is CallRequest => Object.hasOwn(callServices, req.service);

/** What a call service's failure names when the core finds nothing. */
export const subjectOf = (name: CallServiceName): Subject => serviceOf(name).subject;

/** Runs a call service's handler. */
export const runService = (req: CallRequest, ctx: ServiceContext) => serviceOf(req.service).run(req, ctx);

/** The services this server serves (for GetCSTAFeatures): the system services and every call service. */
export const servedServices: ReadonlySet<ServiceName> = new Set<ServiceName>([
  'RequestSystemStatus',
  'SystemStatus',
  'SystemRegister',
  'GetCSTAFeatures',
  ...(Object.keys(callServices) as CallServiceName[]),
]);
