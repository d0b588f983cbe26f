import * as c from '../calls.js';
import { defineRoutes } from './spec.js';

/**
 * Call control (ECMA-269 services) over the caller's own lines: a tenant admin may name any line of
 * the tenant. A device that cannot do what is asked answers PARLEY_ERR_DEVICE_UNSUPPORTED with the
 * reason, a call or connection in the wrong state PARLEY_ERR_INVALID_STATE (409).
 */
const op = <B>(name: string, summary: string, body: B) =>
  ({
    method: 'POST',
    path: `/api/v1/calls/:id/${name}`,
    summary,
    access: 'user',
    params: c.CallParams,
    body,
    status: 200,
    response: c.Call,
  }) as const;

export const callRoutes = defineRoutes({
  'calls.list': {
    method: 'GET',
    path: '/api/v1/calls',
    summary: "The caller's live calls",
    access: 'user',
    status: 200,
    response: c.CallList,
  },
  'calls.make': {
    method: 'POST',
    path: '/api/v1/calls',
    summary: 'MakeCall (click to dial): rings your device first (auto-answer where it can), then the destination',
    access: 'user',
    body: c.MakeCallRequest,
    status: 201,
    response: c.Call,
  },
  'calls.get': {
    method: 'GET',
    path: '/api/v1/calls/:id',
    summary: 'One live call you are in',
    access: 'user',
    params: c.CallParams,
    status: 200,
    response: c.Call,
  },
  'calls.answer': op('answer', 'AnswerCall at a ringing device (talk event or uaCSTA)', c.DeviceRequest),
  'calls.clear': op('clear', "ClearConnection: the device's connection leaves the call", c.DeviceRequest),
  'calls.hold': op('hold', 'HoldCall', c.DeviceRequest),
  'calls.retrieve': op('retrieve', 'RetrieveCall', c.DeviceRequest),
  'calls.alternate': op('alternate', 'AlternateCall: holds `call`, retrieves this (held) call', c.OtherCallRequest),
  'calls.reconnect': op('reconnect', 'ReconnectCall: clears `call`, retrieves this (held) call', c.OtherCallRequest),
  'calls.consult': op(
    'consult',
    'ConsultationCall: holds this call and calls `to`; answers the new call',
    c.TargetRequest,
  ),
  'calls.transfer': op(
    'transfer',
    'SingleStepTransfer (`to`) or TransferCall with the consultation `call`',
    c.TransferRequest,
  ),
  'calls.conference': op(
    'conference',
    'ConferenceCall: this (held) call and `call` in one conference',
    c.OtherCallRequest,
  ),
  'calls.deflect': op('deflect', 'DeflectCall: a call ringing at your device goes to `to`', c.TargetRequest),
  'calls.digits': op('digits', 'GenerateDigits (RFC 4733)', c.DigitsRequest),
  'calls.pickup': op('pickup', 'DirectedPickup: a call ringing elsewhere is answered at your device', c.PickupRequest),
  'calls.groupPickup': {
    method: 'POST',
    path: '/api/v1/calls/pickup',
    summary:
      "GroupPickup: the call ringing longest at another line of your line's pickup group is answered at your device",
    access: 'user',
    body: c.PickupRequest,
    status: 200,
    response: c.Call,
  },
});
