// Who a dialled Request-URI reaches, the devices a call to it rings, and how a device appears as a
// party of a call.
import type { Services } from '../../../compose.js';
import { invalid } from '../../../core/errors.js';
import type { Line } from '../../../core/lines/model.js';
import type { Binding } from '../../../core/registrations/model.js';
import type { User } from '../../../core/users/model.js';
import type { Flow } from '../transport/flow.js';
import type { ForkTarget } from './parts.js';
import type { CallParty } from './types.js';

export interface Target {
  user: User;
  /** The line dialled by number; undefined when the user was called by address. */
  line?: Line;
  /** The devices a call to that line rings (undefined: all the user's devices). */
  devices?: Set<string>;
}

/**
 * The target of `sip:USER@DOMAIN`: a line's extension or DID in any form the tenant's numbering
 * plan reads (`core.lines.resolve`), else a user's address. Disabled users are nobody.
 */
export async function resolveTarget(
  core: Services,
  tenantId: string,
  user: string,
  host: string,
): Promise<Target | undefined> {
  const owned = await core.lines.resolve(tenantId, user);
  if (owned) {
    const devices = await core.devices.ofLine(tenantId, owned.line.id);
    return { user: owned.user, line: owned.line, devices: new Set(devices.map((d) => d.id)) };
  }
  const byAddress = await core.users.byAddress(`${user}@${host}`);
  return byAddress && byAddress.tenantId === tenantId && byAddress.disabledAt === null
    ? { user: byAddress }
    : undefined;
}

/**
 * What a dialled string reaches in the tenant: `user@domain`, or a number or user part in
 * `domain`; with the SIP URI it makes. Undefined when it is no line or user (a number outside,
 * perhaps: see `core.trunks.external`).
 */
export async function findDialled(
  core: Services,
  tenantId: string,
  dialled: string,
  domain: string,
): Promise<{ target: Target; uri: string } | undefined> {
  const [user, host] = dialled.includes('@') ? dialled.split('@') : [dialled, domain];
  const target = user && host ? await resolveTarget(core, tenantId, user, host) : undefined;
  return target && { target, uri: `sip:${user}@${host}` };
}

/** PARLEY_ERR_VALIDATION (`to`): `dialled` reaches nobody. */
export const reachesNobody = (dialled: string) => invalid('to', `${dialled} is no line or user of this tenant`);

/**
 * A user's device as a party: on the line it is bound to, else on the line dialled, else on
 * the user's first line (a line's state is what presence shows as "on the phone").
 */
export async function deviceParty(core: Services, user: User, deviceId?: string, dialled?: Line): Promise<CallParty> {
  const device = deviceId
    ? (await core.devices.list(user.tenantId, user.id)).find((d) => d.id === deviceId)
    : undefined;
  const line =
    (device?.lineId ? await core.lines.get(user.tenantId, device.lineId) : undefined) ??
    dialled ??
    (await core.lines.ofUser(user.tenantId, user.id))[0];
  return {
    userId: user.id,
    ...(deviceId ? { deviceId } : {}),
    ...(line ? { lineId: line.id, lineNumber: line.number } : {}),
    uri: `sip:${user.local}@${user.domain}`,
    display: user.displayName,
  };
}

/**
 * The devices a call to `target` rings now (not `except`, the caller's own device), the highest
 * `q` first and the latest registered of equals; `reach` is how this node reaches a binding.
 */
export async function ringTargets(
  o: { core: Services; reach(binding: Binding): Promise<{ flow: Flow; route: string[] } | undefined> },
  target: Target,
  except?: string,
): Promise<ForkTarget[]> {
  const callee = target.user;
  const bindings = (await o.core.registrations.of(callee.tenantId, callee.id))
    .filter((b) => b.deviceId !== except && (!target.devices || target.devices.has(b.deviceId)))
    .sort((x, y) => y.q - x.q || y.expiresAt - x.expiresAt);
  const targets: ForkTarget[] = [];
  for (const b of bindings) {
    const way = await o.reach(b);
    if (way)
      targets.push({
        party: await deviceParty(o.core, callee, b.deviceId, target.line),
        contact: b.contact,
        ...(b.events ? { events: b.events } : {}),
        ...(b.uaCsta ? { uaCsta: true } : {}),
        ...way,
      });
  }
  return targets;
}
