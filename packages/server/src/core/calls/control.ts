import type { CallBackRequest } from '../callbacks/model.js';
import type { Call } from './model.js';

// Call control (ECMA-269 services) as every adapter asks for it: REST for users, CSTA for CTI
// applications. The core checks who may control what and which node switches the call; the switch
// (the SIP B2BUA) carries it out. Failures are ParleyErrors: PARLEY_ERR_NOT_FOUND (no such call or
// device, or one the actor may not see), PARLEY_ERR_INVALID_STATE (the connection is not in a state
// that allows it), PARLEY_ERR_DEVICE_UNSUPPORTED (the device cannot do it, with the reason in the
// message), PARLEY_ERR_DEVICE_UNREACHABLE (not registered), PARLEY_ERR_VALIDATION (a bad number).

/**
 * Who asks. A user controls the devices of their own lines; a tenant admin, or an application
 * account of the tenant, every device of the tenant. Never another tenant's.
 */
export interface Actor {
  tenantId: string;
  /** The user on whose behalf; absent for an application account. */
  userId?: string;
  scope: 'user' | 'tenant';
}

/**
 * A device as a request names it: a line's extension (`201`), its DID in any form the tenant's
 * numbering plan reads (`+4971112345`), or a user's address (`alice@example.test`: their first line).
 */
export type DeviceRef = string;

/** A device resolved for an actor: the line (CSTA device) and its owner. */
export interface ControlledDevice {
  tenantId: string;
  userId: string;
  lineId: string;
  /** The extension: the device id CSTA events use. */
  number: string;
  did: string | null;
}

/** What a pickup names: the call (DirectedPickup by call), the device it rings at (by device), neither (GroupPickup). */
export interface PickupRequest {
  callId?: string;
  at?: DeviceRef;
  into?: DeviceRef;
}

/** The call control services. `device` names the actor's connection in the call when they have more than one. */
export interface CallControl {
  /** The device an actor names, if the actor may see and control it. */
  device(actor: Actor, ref: DeviceRef): Promise<ControlledDevice>;
  /** The live calls with a connection of the device (SnapshotDevice). */
  snapshotDevice(actor: Actor, ref: DeviceRef): Promise<Call[]>;
  /** A live call the actor has a connection in (or may see as tenant scope). */
  call(actor: Actor, callId: string): Call;
  /** The actor's live calls (a user: theirs; tenant scope: the tenant's). */
  calls(actor: Actor): Call[];
  /**
   * MakeCall: rings `from` (default: the actor's first line) with auto-answer hints; when it
   * answers, calls `to`. Resolves with the call once `from` is being rung.
   */
  makeCall(actor: Actor, o: { from?: DeviceRef; to: string }): Promise<Call>;
  answer(actor: Actor, callId: string, device?: DeviceRef): Promise<Call>;
  /** ClearConnection: the device's connection leaves the call (the call ends when one party is left). */
  clear(actor: Actor, callId: string, device?: DeviceRef): Promise<Call>;
  hold(actor: Actor, callId: string, device?: DeviceRef): Promise<Call>;
  retrieve(actor: Actor, callId: string, device?: DeviceRef): Promise<Call>;
  /** Holds `activeCallId`, retrieves `heldCallId`. */
  alternate(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call>;
  /** Clears `activeCallId`, retrieves `heldCallId`. */
  reconnect(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call>;
  /** ConsultationCall: holds `callId` and calls `to` from the same device; resolves with the new call. */
  consult(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call>;
  /** TransferCall (attended): the held call's other party is connected to the active call's; the device leaves both. */
  transfer(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call>;
  /** SingleStepTransfer (blind): the device's other party is called to `to`; the device leaves. */
  singleStepTransfer(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call>;
  /** ConferenceCall: both calls' parties in one conference call (Parley mixes the audio). */
  conference(actor: Actor, heldCallId: string, activeCallId: string, device?: DeviceRef): Promise<Call>;
  /** DeflectCall: a call ringing at the device goes to `to` instead. */
  deflect(actor: Actor, callId: string, to: string, device?: DeviceRef): Promise<Call>;
  /** GenerateDigits: RFC 4733 telephone events from the device's connection to the other parties. */
  digits(actor: Actor, callId: string, digits: string, device?: DeviceRef): Promise<Call>;
  /**
   * DirectedPickup (`callId`, or the device `at` that rings) or GroupPickup (neither: a call ringing
   * at a line of the actor's pickup group): the call is answered at `into` (default: the actor's first line).
   */
  pickup(actor: Actor, o: PickupRequest): Promise<Call>;
  /**
   * CallBackNonCallRelated: when `to` is free again, `from` (default: the actor's first line) rings
   * and then `to`. Resolves once the request is kept (the same request again: the pending one).
   */
  callBack(actor: Actor, o: { to: DeviceRef; from?: DeviceRef }): Promise<CallBackRequest>;
  /** CallBack on a call the actor made that was busy or not answered: its called line, from the calling line. */
  callBackOn(actor: Actor, callId: string): Promise<CallBackRequest>;
  /** The pending call-backs of the actor (tenant scope: of `device`'s owner). */
  callBacks(actor: Actor, device?: DeviceRef): Promise<CallBackRequest[]>;
  /** CancelCallBack: by its id, or the pending one from `from` (default: the actor's first line) to `to`. */
  cancelCallBack(actor: Actor, ref: string | { to: DeviceRef; from?: DeviceRef }): Promise<CallBackRequest>;
}
