// A user's call settings the switch applies to calls for their lines: call forwarding (ECMA-269
// §22.2.8: immediate, busy, no answer), do not disturb, and remote office (their calls also ring
// an external number). Set over REST by the user, over CSTA by a CTI application; shown in presence.

/** One forwarding rule: on or off, and where to (a number or an address as dialled). */
export interface ForwardingRule {
  enabled: boolean;
  /** Null while no target was ever set. */
  to: string | null;
}

export interface Forwarding {
  immediate: ForwardingRule;
  busy: ForwardingRule;
  /** `afterSeconds`: how long the user's devices ring first. */
  noAnswer: ForwardingRule & { afterSeconds: number };
}

export interface RemoteOffice {
  enabled: boolean;
  /** The external number that rings with the user's devices. */
  number: string | null;
}

export interface CallSettings {
  forwarding: Forwarding;
  dnd: boolean;
  remoteOffice: RemoteOffice;
  updatedAt: number | null;
}

/** What the switch does with a call for the user right now (see `route.ts`). */
export type RouteDecision =
  /** DND: refuse the call (486, cause doNotDisturb). */
  | { kind: 'refuse'; cause: 'doNotDisturb' }
  /** Forward before ringing anyone (immediate). */
  | { kind: 'forward'; to: string; cause: 'callForwardImmediate' }
  /** Ring the user's devices (and the remote office number); `onBusy`/`onNoAnswer` say where to go then. */
  | {
      kind: 'ring';
      alsoRing: string | null;
      onBusy: string | null;
      onNoAnswer: { to: string; afterSeconds: number } | null;
    };

export type ForwardingType = keyof Forwarding;

/** A change of one forwarding rule: `to` left out keeps the stored target; `afterSeconds` is for `noAnswer` only. */
export interface ForwardingRuleChange {
  enabled: boolean;
  to?: string | null;
  afterSeconds?: number;
}

/**
 * The call settings service (`core.forwarding`). Every change is published as
 * `callsettings.changed` (to the user) and feeds presence (DND, forwarded).
 */
export interface CallSettingsService {
  get(tenantId: string, userId: string): Promise<CallSettings>;
  setForwarding(
    tenantId: string,
    userId: string,
    type: ForwardingType,
    rule: ForwardingRuleChange,
  ): Promise<CallSettings>;
  setDnd(tenantId: string, userId: string, on: boolean): Promise<CallSettings>;
  /** `number` left out keeps the stored one. */
  setRemoteOffice(
    tenantId: string,
    userId: string,
    remoteOffice: { enabled: boolean; number?: string | null },
  ): Promise<CallSettings>;
  /** What the switch does with a new call for the user now. */
  decide(tenantId: string, userId: string): Promise<RouteDecision>;
}
