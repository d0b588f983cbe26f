import type { CoreContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import type { Presence, PublishedState } from './aggregate.js';
import { NOTE_MAX } from './model.js';
import type { PresenceService } from './service.js';

const SOURCE_MAX = 200;
const availabilities: readonly PublishedState['availability'][] = ['busy', 'away', 'dnd', null];

/** What a device publishes for its user (a SIP PUBLISH's PIDF, protocol-neutral); `idle`: its user-input. */
export interface PublishedInput extends PublishedState {
  idle: boolean;
}

/** The presence input key of a device's publication. */
export const publishedKey = (sourceId: string) => `publish:${sourceId}`;

/**
 * Stores a device's published state as one client input of the user under its own key until
 * `expiresAt` (a refresh or a new state replaces it). Its `since` moves only when what it says
 * changes (open, idle, call, availability), so a refresh does not restart "away since". A note is
 * cut to 500 characters: a phone cannot fix what it sends.
 */
export async function publish(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  sourceId: string,
  input: PublishedInput,
  expiresAt: number,
): Promise<Presence> {
  const now = ctx.clock.now();
  if (sourceId.length === 0 || sourceId.length > SOURCE_MAX)
    throw invalid('sourceId', `must be 1-${SOURCE_MAX} characters`);
  if (!availabilities.includes(input.availability)) throw invalid('availability', 'must be busy, away, dnd or null');
  if (!Number.isFinite(expiresAt) || expiresAt <= now) throw invalid('expiresAt', 'must be in the future');
  if (!(await presence.users.lookup(tenantId, userId))) throw notFound('user');
  const repo = ctx.store.repos.presence;
  const key = publishedKey(sourceId);
  const published: PublishedState = {
    open: input.open === true,
    availability: input.availability,
    onCall: input.onCall === true,
    note: input.note?.trim().slice(0, NOTE_MAX) || null,
  };
  const idle = input.idle === true;
  const current = (await repo.inputs(tenantId, userId, now)).find((s) => s.source === 'client' && s.key === key)
    ?.value as { idle: boolean; since: number; published?: PublishedState } | undefined;
  const was = current?.published;
  const same =
    was !== undefined &&
    current?.idle === idle &&
    was.open === published.open &&
    was.onCall === published.onCall &&
    was.availability === published.availability;
  const value = { mobile: false, idle, since: same && current ? current.since : now, sessionId: null, published };
  await repo.putInput(tenantId, userId, { source: 'client', key, value, expiresAt }, now);
  return presence.recompute(tenantId, userId);
}

/** The device's publication is over (removed, or its PUBLISH expired at the compositor). */
export async function unpublish(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  sourceId: string,
): Promise<Presence> {
  await ctx.store.repos.presence.deleteInput(tenantId, userId, 'client', publishedKey(sourceId));
  return presence.recompute(tenantId, userId);
}
