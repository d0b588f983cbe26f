// ECMA-323 / ECMA-354 documents Parley sends: responses, events and errors, in the namespace of
// the edition the application speaks.
import type { CstaError } from './errors.js';
import type { ConnectionId, DeviceEvent, DeviceValue } from './events.js';
import type { ServiceName } from './requests.js';
import { document, el, type Markup, SESSION_NAMESPACE } from './xml.js';

export const connectionMarkup = (name: string, c: ConnectionId): Markup =>
  el(name, [el('callID', c.callId), el('deviceID', c.deviceId)]);

const deviceMarkup = (name: string, v: DeviceValue): Markup =>
  el(name, [typeof v === 'string' ? el('deviceIdentifier', v) : el(v.none)]);

/** An event for the monitor `crossRefId`, fields in the ECMA-323 order. */
export function renderEvent(namespace: string, crossRefId: string, ev: DeviceEvent): string {
  return document(ev.name, namespace, [
    el('monitorCrossRefID', crossRefId),
    ...ev.connections.map(([name, c]) => connectionMarkup(name, c)),
    ...ev.devices.map(([name, v]) =>
      name === 'device' && typeof v === 'string' ? el('device', [el('deviceIdentifier', v)]) : deviceMarkup(name, v),
    ),
    ev.list &&
      el(
        ev.list.name,
        ev.list.items.map((c) =>
          el('connectionListItem', [
            connectionMarkup('newConnection', c),
            el('endpoint', [el('deviceID', c.deviceId)]),
          ]),
        ),
      ),
    ...(ev.fields ?? []).map(([name, value]) => el(name, value)),
    ev.localConnectionInfo === undefined ? undefined : el('localConnectionInfo', ev.localConnectionInfo),
    ev.cause === undefined ? undefined : el('cause', ev.cause),
  ]);
}

/** ECMA-323 §9 `CSTAErrorCode`: the category element holding the value. */
export const renderError = (namespace: string, error: CstaError): string =>
  document('CSTAErrorCode', namespace, [el(error.category, error.value)]);

/** A positive response to `service` (`<Service>Response`) with its children. */
export const renderResponse = (
  namespace: string,
  service: ServiceName,
  children: (Markup | undefined)[] = [],
): string => document(`${service}Response`, namespace, children);

/** ECMA-354 application session answers (their own namespace whatever the CSTA edition). */
export const sessionDocument = (root: string, children: (Markup | undefined)[] = []): string =>
  document(root, SESSION_NAMESPACE, children);

/** ECMA-354 `definedError` values of the negative responses. */
export type SessionError =
  | 'invalidApplicationInfo'
  | 'requestedProtocolVersionNotSupported'
  | 'invalidSessionID'
  | 'invalidRequestedSessionDuration';

export const sessionNegative = (
  root:
    | 'StartApplicationSessionNegResponse'
    | 'ResetApplicationSessionTimerNegResponse'
    | 'StopApplicationSessionNegResponse',
  error: SessionError,
) => sessionDocument(root, [el('errorCode', [el('definedError', error)])]);

/**
 * GetCSTAFeaturesResponse (ECMA-269 §13.1.3): the services and events Parley serves, by the
 * ECMA-323 group each belongs to.
 */
export function featuresMarkup(services: ReadonlySet<ServiceName>): Markup[] {
  const flag = (name: string, service: ServiceName) => (services.has(service) ? el(name, true) : undefined);
  const group = (name: string, items: (Markup | undefined)[]) => (items.some(Boolean) ? el(name, items) : undefined);
  const events = (name: string, names: string[]) =>
    el(
      name,
      names.map((n) => el(n, true)),
    );
  return [
    el('supportedServices', [
      group('callControlServices', [
        flag('alternateCall', 'AlternateCall'),
        flag('answerCall', 'AnswerCall'),
        flag('callBack', 'CallBack'),
        flag('clearConnection', 'ClearConnection'),
        flag('conferenceCall', 'ConferenceCall'),
        flag('consultationCall', 'ConsultationCall'),
        flag('deflectCall', 'DeflectCall'),
        flag('directedPickupCall', 'DirectedPickupCall'),
        flag('groupPickupCall', 'GroupPickupCall'),
        flag('holdCall', 'HoldCall'),
        flag('makeCall', 'MakeCall'),
        flag('reconnectCall', 'ReconnectCall'),
        flag('retrieveCall', 'RetrieveCall'),
        flag('singleStepTransfer', 'SingleStepTransferCall'),
        flag('transferCall', 'TransferCall'),
      ]),
      group('callAssociatedServices', [flag('generateDigits', 'GenerateDigits')]),
      // ECMA-269 §22: call back without a call is a logical device feature, not call control.
      group('logicalDeviceFeatures', [
        flag('callBackNonCallRelated', 'CallBackNonCallRelated'),
        flag('cancelCallBack', 'CancelCallBack'),
        flag('getDoNotDisturb', 'GetDoNotDisturb'),
        flag('getForwarding', 'GetForwarding'),
        flag('setDoNotDisturb', 'SetDoNotDisturb'),
        flag('setForwarding', 'SetForwarding'),
      ]),
      group('monitoringServices', [flag('monitorStart', 'MonitorStart'), flag('monitorStop', 'MonitorStop')]),
      group('snapshotServices', [flag('snapshotCall', 'SnapshotCall'), flag('snapshotDevice', 'SnapshotDevice')]),
      group('systemServices', [
        flag('requestSystemStatus', 'RequestSystemStatus'),
        flag('systemRegister', 'SystemRegister'),
        flag('systemStatus', 'SystemStatus'),
      ]),
    ]),
    el('supportedEvents', [
      events('callControlEvents', [
        'conferenced',
        'connectionCleared',
        'delivered',
        'diverted',
        'established',
        'failed',
        'held',
        'networkReached',
        'originated',
        'retrieved',
        'serviceInitiated',
        'transferred',
      ]),
      events('logicalDeviceFeatureEvents', ['callBack', 'doNotDisturb', 'forwarding']),
      events('deviceMaintenanceEvents', ['backInService', 'outOfService']),
    ]),
  ];
}
