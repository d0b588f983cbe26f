// What a monitored device sees of a call change (ECMA-269 §17 call control events, §22 logical
// device events, §20 device maintenance events): a pure function of the core's event and the device.
import type { CallBackStatus } from '../../core/callbacks/model.js';
import type { Call, CallEvent, CallEventType, Connection, ConnectionState, Party } from '../../core/calls/model.js';
import type { CallSettings, ForwardingType } from '../../core/forwarding/model.js';

/** The device a monitor watches: a line (its extension is the CSTA device id) and its owner. */
export interface MonitoredDevice {
  lineId: string;
  number: string;
  userId: string;
}

/** ECMA-269 ConnectionID: the call and the device's id in it. */
export interface ConnectionId {
  callId: string;
  deviceId: string;
}

/** A device field's value: an identifier, or one of the ECMA-323 "no identifier" forms. */
export type DeviceValue = string | { none: 'notKnown' | 'notRequired' };

/** ECMA-269 LocalConnectionState as ECMA-323 writes it. */
export type LocalState = 'null' | 'initiated' | 'alerting' | 'connected' | 'hold' | 'fail';

/** One event for one monitor, before rendering; fields are in the order ECMA-323 puts them. */
export interface DeviceEvent {
  name: string;
  connections: [string, ConnectionId][];
  devices: [string, DeviceValue][];
  /** A connection list (`transferredConnections`, `conferenceConnections`). */
  list?: { name: string; items: ConnectionId[] };
  /** Further simple fields (forwarding, do not disturb). */
  fields?: [string, string][];
  localConnectionInfo?: LocalState;
  cause?: string;
}

// Every core call starts originated (a SIP INVITE carries the whole number), and its caller stays
// `initiated` until answered; ECMA-269 calls that connection connected from Originated on (the
// caller hears ringback), so `initiated` is left to ServiceInitiatedEvent alone.
const localStates: Record<ConnectionState, LocalState> = {
  null: 'null',
  initiated: 'connected',
  alerting: 'alerting',
  connected: 'connected',
  held: 'hold',
  failed: 'fail',
};
export const localState = (s: ConnectionState): LocalState => localStates[s];

/** The CSTA device id of a party: a line's extension, else the number, address or name it has. */
export const deviceIdOf = (p: Party): DeviceValue =>
  p.lineNumber ?? p.number ?? p.uri?.replace(/^sips?:/, '') ?? p.display ?? { none: 'notKnown' };

const idText = (p: Party): string => {
  const d = deviceIdOf(p);
  return typeof d === 'string' ? d : '';
};

export const connectionIdOf = (call: Call, c: Connection): ConnectionId => ({
  callId: call.id,
  deviceId: idText(c.party),
});

/** Whether a party is the monitored line (by line id; by extension where the party has no line id). */
export const isDevice = (d: MonitoredDevice, p: Party) =>
  p.lineId !== undefined ? p.lineId === d.lineId : p.lineNumber !== undefined && p.lineNumber === d.number;

const notRequired: DeviceValue = { none: 'notRequired' };

/**
 * The CSTA events a monitor of `device` reports for a `call.*` event: none when the device is not
 * (or no longer) in the call. Causes the core leaves open take the ECMA-269 default of the event.
 * @example eventsFor('call.established', event, { lineId, number: '201', userId }) // [{ name: 'EstablishedEvent', … }]
 */
export function eventsFor(type: CallEventType, ev: CallEvent, device: MonitoredDevice): DeviceEvent[] {
  const { call } = ev;
  const own = call.connections.filter((c) => isDevice(device, c.party));
  if (own.length === 0 && !isDevice(device, call.caller) && !isDevice(device, call.called)) return [];
  const subject = call.connections.find((c) => c.id === ev.connectionId);
  // A device that left the call hears no more of it (its own clearing is the last it sees).
  const left = own.length > 0 && own.every((c) => c.state === 'null') && !own.some((c) => c.id === subject?.id);
  if (left) return [];
  const mine = (subject && own.find((c) => c.id === subject.id)) ?? own.find((c) => c.state !== 'null') ?? own[0];
  const local = mine ? { localConnectionInfo: localState(mine.state) } : {};
  const calling: [string, DeviceValue] = ['callingDevice', deviceIdOf(call.caller)];
  const called: [string, DeviceValue] = ['calledDevice', deviceIdOf(call.called)];
  const conn = (name: string): [string, ConnectionId][] => (subject ? [[name, connectionIdOf(call, subject)]] : []);
  const by = (name: string): [string, DeviceValue] => [
    name,
    subject ? deviceIdOf(subject.party) : { none: 'notKnown' },
  ];
  const cause = (fallback: string) => ({ cause: ev.cause ?? fallback });
  switch (type) {
    case 'call.originated':
      if (!subject || !isDevice(device, subject.party)) return [];
      return [
        {
          name: 'ServiceInitiatedEvent',
          connections: conn('initiatedConnection'),
          devices: [by('initiatingDevice')],
          localConnectionInfo: 'initiated',
          ...cause('newCall'),
        },
        {
          name: 'OriginatedEvent',
          connections: conn('originatedConnection'),
          devices: [calling, called],
          ...local,
          ...cause('newCall'),
        },
      ];
    case 'call.delivered': {
      const delivered: DeviceEvent = {
        name: 'DeliveredEvent',
        connections: conn('connection'),
        devices: [by('alertingDevice'), calling, called, ['lastRedirectionDevice', notRequired]],
        ...local,
        ...cause('newCall'),
      };
      // A party outside the tenant's lines rings through the network: NetworkReached first (§17.2.14).
      const external = subject && subject.party.lineId === undefined && subject.party.userId === undefined;
      if (!external) return [delivered];
      const reached: DeviceEvent = {
        name: 'NetworkReachedEvent',
        connections: conn('outboundConnection'),
        devices: [by('networkInterfaceUsed'), calling, called, ['lastRedirectionDevice', notRequired]],
        ...local,
        ...cause('newCall'),
      };
      return [reached, delivered];
    }
    case 'call.established':
      return [
        {
          name: 'EstablishedEvent',
          connections: conn('establishedConnection'),
          devices: [by('answeringDevice'), calling, called, ['lastRedirectionDevice', notRequired]],
          ...local,
          ...cause('newCall'),
        },
      ];
    case 'call.held':
      return [
        {
          name: 'HeldEvent',
          connections: conn('heldConnection'),
          devices: [by('holdingDevice')],
          ...local,
          ...cause('newCall'),
        },
      ];
    case 'call.retrieved':
      return [
        {
          name: 'RetrievedEvent',
          connections: conn('retrievedConnection'),
          devices: [by('retrievingDevice')],
          ...local,
          ...cause('newCall'),
        },
      ];
    case 'call.diverted':
      return [
        {
          name: 'DivertedEvent',
          connections: conn('connection'),
          devices: [
            by('divertingDevice'),
            ['newDestination', deviceIdOf(call.called)],
            calling,
            called,
            ['lastRedirectionDevice', notRequired],
          ],
          ...local,
          ...cause('redirected'),
        },
      ];
    case 'call.transferred':
    case 'call.conferenced': {
      const transfer = type === 'call.transferred';
      const joiner = ev.joined?.by;
      const oldCalls = (ev.joined?.oldCalls ?? []).map((callId) => ({
        callId,
        deviceId: joiner ? idText(joiner) : '',
      }));
      const olds: [string, ConnectionId][] = oldCalls
        .slice(0, 2)
        .map((c, i) => [i === 0 ? 'primaryOldCall' : 'secondaryOldCall', c]);
      const joinerValue: DeviceValue = joiner ? deviceIdOf(joiner) : { none: 'notKnown' };
      const live = call.connections.filter((c) => c.state !== 'null').map((c) => connectionIdOf(call, c));
      return [
        {
          name: transfer ? 'TransferredEvent' : 'ConferencedEvent',
          connections: olds,
          devices: transfer
            ? [
                ['transferringDevice', joinerValue],
                ['transferredToDevice', subject ? deviceIdOf(subject.party) : deviceIdOf(call.called)],
              ]
            : [
                ['conferencingDevice', joinerValue],
                ['addedParty', subject ? deviceIdOf(subject.party) : { none: 'notKnown' }],
              ],
          list: { name: transfer ? 'transferredConnections' : 'conferenceConnections', items: live },
          ...local,
          ...cause(transfer ? 'transfer' : 'conference'),
        },
      ];
    }
    case 'call.failed': {
      // The caller's connection fails because of the called device (busy, not obtainable …).
      const failing: [string, DeviceValue] =
        subject?.role === 'calling' ? ['failingDevice', deviceIdOf(call.called)] : by('failingDevice');
      return [
        {
          name: 'FailedEvent',
          connections: conn('failedConnection'),
          devices: [failing, calling, called, ['lastRedirectionDevice', notRequired]],
          ...local,
          ...cause('destNotObtainable'),
        },
      ];
    }
    case 'call.cleared':
      return [
        {
          name: 'ConnectionClearedEvent',
          connections: conn('droppedConnection'),
          devices: [by('releasingDevice')],
          ...local,
          ...cause('normalClearing'),
        },
      ];
  }
}

/** ECMA-269 §12.2.17 forwarding type names of Parley's forwarding rules. */
export const forwardingTypeNames: Record<ForwardingType, string> = {
  immediate: 'forwardImmediate',
  busy: 'forwardBusy',
  noAnswer: 'forwardNoAns',
};

/**
 * Forwarding and DoNotDisturb events (ECMA-269 §22.2.8, §22.2.7) for what changed between two
 * call settings of the device's owner; with no earlier settings, every rule counts as changed.
 */
export function settingsEvents(
  before: CallSettings | null,
  after: CallSettings,
  device: MonitoredDevice,
): DeviceEvent[] {
  const events: DeviceEvent[] = [];
  for (const type of Object.keys(forwardingTypeNames) as ForwardingType[]) {
    const a = after.forwarding[type];
    const b = before?.forwarding[type];
    if (b && b.enabled === a.enabled && b.to === a.to) continue;
    events.push({
      name: 'ForwardingEvent',
      connections: [],
      devices: [['device', device.number]],
      fields: [
        ['forwardingType', forwardingTypeNames[type]],
        ['forwardStatus', String(a.enabled)],
        ...(a.to ? [['forwardTo', a.to] as [string, string]] : []),
      ],
    });
  }
  if (!before || before.dnd !== after.dnd) {
    events.push({
      name: 'DoNotDisturbEvent',
      connections: [],
      devices: [['device', device.number]],
      fields: [['doNotDisturbOn', String(after.dnd)]],
    });
  }
  return events;
}

/**
 * CallBack event (ECMA-269 §22.2.1): a call-back from the device was set, or no longer is
 * (`callBackSetCanceled` false: cancelled, expired, or used up as its call rings). Its call is an
 * ordinary call with its own events.
 */
export function callBackEvent(
  r: { fromLineId: string; fromNumber: string; targetNumber: string },
  status: CallBackStatus,
  device: MonitoredDevice,
): DeviceEvent[] {
  if (r.fromLineId !== device.lineId || status === 'done') return [];
  return [
    {
      name: 'CallBackEvent',
      connections: [],
      devices: [
        ['originatingDevice', r.fromNumber],
        ['targetDevice', r.targetNumber],
      ],
      fields: [['callBackSetCanceled', String(status === 'requested')]],
    },
  ];
}

/** BackInService or OutOfService (ECMA-269 §20.2.1, §20.2.2): the owner's devices registered, or none any more. */
export const serviceEvent = (registered: boolean, device: MonitoredDevice): DeviceEvent => ({
  name: registered ? 'BackInServiceEvent' : 'OutOfServiceEvent',
  connections: [],
  devices: [['device', device.number]],
});
