import type { CoreContext } from '../context.js';
import type { CallSettingsInput } from './aggregate.js';
import type { CallSettingsShown } from './model.js';
import type { PresenceService } from './service.js';

/**
 * The user's call settings as their presence input (`call-settings`, one per user, no expiry: the
 * store shares it with every node). Each setting's `since` is when it went on and stays while it is
 * on, so unrelated changes (a new forwarding target) do not count as a new event for the anchor
 * rule. Nothing on: no input. A change that shows nothing new writes nothing.
 */
export async function setCallSettings(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  shown: CallSettingsShown,
): Promise<void> {
  const repo = ctx.store.repos.presence;
  const now = ctx.clock.now();
  const current = (await repo.inputs(tenantId, userId, now)).find((s) => s.source === 'call-settings');
  const was = current?.value as CallSettingsInput | undefined;
  const value: CallSettingsInput = {
    dndSince: shown.dnd ? (was?.dndSince ?? now) : null,
    forwardedSince: shown.forwarded ? (was?.forwardedSince ?? now) : null,
  };
  const on = value.dndSince !== null || value.forwardedSince !== null;
  if (!on && !current) return;
  if (on && was?.dndSince === value.dndSince && was?.forwardedSince === value.forwardedSince) return;
  if (on) await repo.putInput(tenantId, userId, { source: 'call-settings', key: '', value, expiresAt: null }, now);
  else await repo.deleteInput(tenantId, userId, 'call-settings');
  await presence.recompute(tenantId, userId);
}
