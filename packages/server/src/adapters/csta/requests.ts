// Requests as Parley reads them from ECMA-323 (CSTA services) and ECMA-354 (application session)
// messages: typed, with device identifiers reduced to what `CallControl.device` resolves.
import type { ForwardingType } from '../../core/forwarding/model.js';
import { cstaError } from './errors.js';
import { childNamed, textOf, type XmlElement } from './xml.js';

/**
 * A connection as a request names it (ECMA-269 §12.2.8 ConnectionID): the call and the device in
 * it; some applications name only the device (the call it is in is meant).
 */
export interface ConnectionRef {
  callId?: string;
  device?: string;
}

export type CstaRequest =
  | {
      service: 'StartApplicationSession';
      applicationId: string | null;
      userName: string | null;
      password: string | null;
      protocolVersions: string[];
      requestedDuration: number | null;
    }
  | { service: 'StopApplicationSession'; sessionId: string | null }
  | { service: 'ResetApplicationSessionTimer'; sessionId: string | null; requestedDuration: number | null }
  | { service: 'RequestSystemStatus' }
  | { service: 'SystemStatus'; status: string | null }
  | { service: 'SystemRegister' }
  | { service: 'GetCSTAFeatures' }
  | { service: 'SnapshotDevice'; device: string }
  | { service: 'SnapshotCall'; call: ConnectionRef }
  | { service: 'MonitorStart'; device: string }
  | { service: 'MonitorStop'; crossRefId: string }
  | { service: 'MakeCall'; from: string; to: string }
  | { service: 'AnswerCall' | 'ClearConnection' | 'HoldCall' | 'RetrieveCall'; connection: ConnectionRef }
  | {
      service: 'AlternateCall' | 'ReconnectCall' | 'TransferCall' | 'ConferenceCall';
      held: ConnectionRef;
      active: ConnectionRef;
    }
  | { service: 'ConsultationCall'; existing: ConnectionRef; to: string }
  | { service: 'SingleStepTransferCall'; active: ConnectionRef; to: string }
  | { service: 'DeflectCall'; connection: ConnectionRef; to: string }
  | { service: 'GenerateDigits'; connection: ConnectionRef; digits: string }
  | { service: 'DirectedPickupCall'; call: ConnectionRef; into: string }
  | { service: 'GroupPickupCall'; into: string | null }
  | { service: 'CallBack'; connection: ConnectionRef }
  | { service: 'CallBackNonCallRelated'; from: string; to: string }
  | { service: 'CancelCallBack'; from: string; to: string }
  | {
      service: 'SetForwarding';
      device: string;
      type: ForwardingType;
      on: boolean;
      to: string | null;
      ringCount: number | null;
    }
  | { service: 'GetForwarding'; device: string }
  | { service: 'SetDoNotDisturb'; device: string; on: boolean }
  | { service: 'GetDoNotDisturb'; device: string };

export type ServiceName = CstaRequest['service'];

/** Thrown when a request lacks a field or has one Parley cannot read: answered `valueOutOfRange`. */
const missing = (what: string) => cstaError('operation', 'valueOutOfRange', `${what} is missing or not valid`);

/**
 * A device identifier as CTI applications write it (ECMA-269 §12.3.20: dialling or device number
 * forms), reduced to a line number, DID or address: `N<+4971112345>;noa=nk` → `+4971112345`,
 * `tel:201;phone-context=…` → `201`, `sip:alice@example.test` → `alice@example.test`.
 */
export function deviceRef(text: string): string {
  let s = text.trim();
  const bracket = /^[A-Z]?<([^>]*)>/.exec(s);
  if (bracket) s = bracket[1] as string;
  s = s.replace(/^(tel|sips?):/i, '').split(';')[0] as string;
  return s.trim();
}

/** A device child (`<device>`, or its `deviceIdentifier`/`deviceID` forms) as a reference. */
function device(el: XmlElement, name: string): string {
  const d = childNamed(el, name);
  const text = d && (d.children.length > 0 ? (textOf(d, 'deviceIdentifier') ?? textOf(d, 'deviceID') ?? '') : d.text);
  const ref = text === undefined ? '' : deviceRef(text);
  if (ref === '') throw missing(name);
  return ref;
}

const optionalDevice = (el: XmlElement, name: string) => (childNamed(el, name) ? device(el, name) : null);

/** A ConnectionID child: `callID` and `deviceID` (as text, `staticID` or `dynamicID`). */
function connection(el: XmlElement, name: string): ConnectionRef {
  const c = childNamed(el, name);
  const callId = textOf(c, 'callID');
  if (!c) throw missing(name);
  const d = childNamed(c, 'deviceID');
  const text = d
    ? d.children.length > 0
      ? (textOf(d, 'deviceIdentifier') ?? textOf(d, 'dynamicID') ?? textOf(d, 'staticID'))
      : d.text
    : undefined;
  const ref = text ? deviceRef(text) : '';
  if (!callId && ref === '') throw missing(`${name}/callID`);
  return { ...(callId && { callId }), ...(ref !== '' && { device: ref }) };
}

const bool = (el: XmlElement, name: string): boolean => {
  const v = textOf(el, name);
  if (v !== 'true' && v !== 'false' && v !== '1' && v !== '0') throw missing(name);
  return v === 'true' || v === '1';
};

const int = (el: XmlElement | undefined, name: string): number | null => {
  const v = textOf(el, name);
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : null;
};

/** ECMA-269 §12.2.17 ForwardingType values Parley keeps (immediate, busy, no answer; "…All/Int/Ext" alike). */
function forwardingType(value: string | undefined): ForwardingType {
  if (value?.startsWith('forwardImmediate')) return 'immediate';
  if (value?.startsWith('forwardBusy')) return 'busy';
  if (value?.startsWith('forwardNoAns')) return 'noAnswer';
  throw cstaError('operation', 'valueOutOfRange', `forwardingType ${value ?? '(none)'} is not supported`);
}

/** The login of ECMA-354 StartApplicationSession: `applicationSpecificInfo/SessionLoginInfo`, any namespace. */
function startSession(root: XmlElement): CstaRequest {
  const info = childNamed(root, 'applicationInfo');
  const login = childNamed(childNamed(info ?? root, 'applicationSpecificInfo') ?? root, 'SessionLoginInfo');
  const versions = childNamed(root, 'requestedProtocolVersions');
  return {
    service: 'StartApplicationSession',
    applicationId: textOf(info, 'applicationID') ?? null,
    userName: textOf(login, 'userName') ?? null,
    password: childNamed(login ?? root, 'password')?.text ?? null,
    protocolVersions: (versions?.children ?? []).filter((v) => v.name === 'protocolVersion').map((v) => v.text.trim()),
    requestedDuration: int(root, 'requestedSessionDuration'),
  };
}

type Decoder = (root: XmlElement) => CstaRequest;

const pair =
  (service: 'AlternateCall' | 'ReconnectCall' | 'TransferCall' | 'ConferenceCall'): Decoder =>
  (r) => ({
    service,
    held: connection(r, 'heldCall'),
    active: connection(r, 'activeCall'),
  });

/** Each request Parley serves, by its element name. */
const decoders: Record<ServiceName, Decoder> = {
  StartApplicationSession: startSession,
  StopApplicationSession: (r) => ({ service: 'StopApplicationSession', sessionId: textOf(r, 'sessionID') ?? null }),
  ResetApplicationSessionTimer: (r) => ({
    service: 'ResetApplicationSessionTimer',
    sessionId: textOf(r, 'sessionID') ?? null,
    requestedDuration: int(r, 'requestedSessionDuration'),
  }),
  RequestSystemStatus: () => ({ service: 'RequestSystemStatus' }),
  SystemStatus: (r) => ({ service: 'SystemStatus', status: textOf(r, 'systemStatus') ?? null }),
  SystemRegister: () => ({ service: 'SystemRegister' }),
  GetCSTAFeatures: () => ({ service: 'GetCSTAFeatures' }),
  SnapshotDevice: (r) => ({ service: 'SnapshotDevice', device: device(r, 'snapshotObject') }),
  SnapshotCall: (r) => ({ service: 'SnapshotCall', call: connection(r, 'snapshotObject') }),
  MonitorStart: (r) => {
    const object = childNamed(r, 'monitorObject');
    if (!object) throw missing('monitorObject');
    if (childNamed(object, 'callObject')) {
      throw cstaError('operation', 'invalidObjectType', 'call monitors are not supported, only device monitors');
    }
    return { service: 'MonitorStart', device: device(object, 'deviceObject') };
  },
  MonitorStop: (r) => {
    const crossRefId = textOf(r, 'monitorCrossRefID');
    if (!crossRefId) throw missing('monitorCrossRefID');
    return { service: 'MonitorStop', crossRefId };
  },
  MakeCall: (r) => ({ service: 'MakeCall', from: device(r, 'callingDevice'), to: device(r, 'calledDirectoryNumber') }),
  AnswerCall: (r) => ({ service: 'AnswerCall', connection: connection(r, 'callToBeAnswered') }),
  ClearConnection: (r) => ({ service: 'ClearConnection', connection: connection(r, 'connectionToBeCleared') }),
  HoldCall: (r) => ({ service: 'HoldCall', connection: connection(r, 'callToBeHeld') }),
  RetrieveCall: (r) => ({ service: 'RetrieveCall', connection: connection(r, 'callToBeRetrieved') }),
  AlternateCall: pair('AlternateCall'),
  ReconnectCall: pair('ReconnectCall'),
  TransferCall: pair('TransferCall'),
  ConferenceCall: pair('ConferenceCall'),
  ConsultationCall: (r) => ({
    service: 'ConsultationCall',
    existing: connection(r, 'existingCall'),
    to: device(r, 'consultedDevice'),
  }),
  SingleStepTransferCall: (r) => ({
    service: 'SingleStepTransferCall',
    active: connection(r, 'activeCall'),
    to: device(r, 'transferredTo'),
  }),
  DeflectCall: (r) => ({
    service: 'DeflectCall',
    connection: connection(r, 'callToBeDiverted'),
    to: device(r, 'newDestination'),
  }),
  GenerateDigits: (r) => {
    const digits = textOf(r, 'charactersToSend') ?? '';
    if (!/^[0-9*#A-Da-d]{1,64}$/.test(digits)) throw missing('charactersToSend');
    return { service: 'GenerateDigits', connection: connection(r, 'connectionToSendDigits'), digits };
  },
  DirectedPickupCall: (r) => ({
    service: 'DirectedPickupCall',
    call: connection(r, 'callToBePickedUp'),
    into: device(r, 'requestingDevice'),
  }),
  GroupPickupCall: (r) => ({ service: 'GroupPickupCall', into: optionalDevice(r, 'newDestination') }),
  CallBack: (r) => ({ service: 'CallBack', connection: connection(r, 'callBackConnection') }),
  CallBackNonCallRelated: (r) => ({ service: 'CallBackNonCallRelated', ...callBackDevices(r) }),
  CancelCallBack: (r) => ({ service: 'CancelCallBack', ...callBackDevices(r) }),
  SetForwarding: (r) => {
    const on = bool(r, 'activateForward');
    const target = childNamed(r, 'forwardDN') ? device(r, 'forwardDN') : null;
    return {
      service: 'SetForwarding',
      device: device(r, 'device'),
      type: forwardingType(textOf(r, 'forwardingType')),
      on,
      to: target,
      ringCount: int(r, 'ringCount'),
    };
  },
  GetForwarding: (r) => ({ service: 'GetForwarding', device: device(r, 'device') }),
  SetDoNotDisturb: (r) => ({ service: 'SetDoNotDisturb', device: device(r, 'device'), on: bool(r, 'doNotDisturbOn') }),
  GetDoNotDisturb: (r) => ({ service: 'GetDoNotDisturb', device: device(r, 'device') }),
};

/** The asking and the target device of a call-back request. */
function callBackDevices(r: XmlElement): { from: string; to: string } {
  // ECMA-323 spells it `orignatingDevice` in CallBackNonCallRelated; the corrected spelling is read too.
  const from = childNamed(r, 'orignatingDevice') ? 'orignatingDevice' : 'originatingDevice';
  return { from: device(r, from), to: device(r, 'targetDevice') };
}

/** Whether Parley serves a request of this element name. */
export const isService = (name: string): name is ServiceName => Object.hasOwn(decoders, name);

/** The typed request of a message whose root is a service Parley serves (see `isService`). */
export const decodeRequest = (root: XmlElement & { name: ServiceName }): CstaRequest => decoders[root.name](root);
