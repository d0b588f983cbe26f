// The registrar's binding rules (RFC 3261 §10.3 steps 6-8, RFC 5626 §6): a pure function of the
// live bindings and one REGISTER's contacts.
import type { Binding, BindingFlow } from '../../../core/registrations/model.js';
import { type ContactList, contactExpires, contactQ, renderUri } from '../message/index.js';

export interface RegistrationLimits {
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  maxContacts: number;
}

export interface RegisterChange {
  contact: ContactList;
  /** The Expires header, seconds. */
  expires?: number;
  callId: string;
  cseq: number;
  deviceId: string;
  userId: string;
  node: string;
  flow: BindingFlow;
  path?: string[];
  userAgent?: string;
  events?: string[];
  uaCsta?: boolean;
  now: number;
}

/** Why a REGISTER changes nothing: the response it gets (§10.3). */
export type RegisterRefusal =
  | { status: 400; reason: string }
  | { status: 423; reason: 'Interval Too Brief'; minExpires: number }
  | { status: 403; reason: string }
  | { status: 500; reason: string };

export class RegisterRefused extends Error {
  constructor(readonly refusal: RegisterRefusal) {
    super(refusal.reason);
  }
}

const same = (a: Binding, b: Binding) =>
  a.instance !== undefined && b.instance !== undefined
    ? a.instance === b.instance && a.regId === b.regId
    : a.contact === b.contact;

/**
 * The bindings after the REGISTER (throws `RegisterRefused`): `*` with Expires 0 removes all the
 * user's bindings; each contact adds, refreshes or (expires 0) removes its binding; expiry is
 * clamped to the maximum and refused below the minimum (423); a binding written by the same
 * Call-ID with a CSeq not lower is not overwritten (out of order, 500). Bindings of the user's
 * other devices are kept.
 */
export function applyRegister(live: Binding[], change: RegisterChange, limits: RegistrationLimits): Binding[] {
  if (change.contact === '*') {
    if (change.expires !== 0)
      throw new RegisterRefused({ status: 400, reason: 'Bad Request (Contact * needs Expires: 0)' });
    checkOrder(live, change);
    return [];
  }
  let next = [...live];
  for (const contact of change.contact) {
    const asked = contactExpires(contact) ?? change.expires ?? limits.defaultExpires;
    if (asked !== 0 && asked < limits.minExpires) {
      throw new RegisterRefused({ status: 423, reason: 'Interval Too Brief', minExpires: limits.minExpires });
    }
    const instance = contact.params.get('+sip.instance') ?? undefined;
    const regId = contact.params.get('reg-id');
    const binding: Binding = {
      contact: renderUri(contact.uri),
      deviceId: change.deviceId,
      userId: change.userId,
      expiresAt: change.now + Math.min(asked, limits.maxExpires) * 1000,
      q: contactQ(contact) ?? 1,
      callId: change.callId,
      cseq: change.cseq,
      node: change.node,
      flow: change.flow,
      ...(instance ? { instance } : {}),
      ...(instance && regId ? { regId: Number(regId) } : {}),
      ...(change.path?.length ? { path: change.path } : {}),
      ...(change.userAgent ? { userAgent: change.userAgent } : {}),
      ...(change.events && change.events.length > 0 ? { events: change.events } : {}),
      ...(change.uaCsta ? { uaCsta: true as const } : {}),
    };
    const existing = next.find((b) => same(b, binding));
    if (existing) checkOrder([existing], change);
    next = next.filter((b) => !same(b, binding));
    if (asked > 0) next.push(binding);
  }
  if (next.length > limits.maxContacts) {
    throw new RegisterRefused({ status: 403, reason: `Forbidden (more than ${limits.maxContacts} contacts)` });
  }
  return next;
}

function checkOrder(existing: Binding[], change: RegisterChange): void {
  if (existing.some((b) => b.callId === change.callId && b.cseq >= change.cseq)) {
    throw new RegisterRefused({ status: 500, reason: 'Server Internal Error (REGISTER out of order)' });
  }
}
