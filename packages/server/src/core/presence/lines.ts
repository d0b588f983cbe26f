import type { CoreContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import type { Presence } from './aggregate.js';
import { type LineState, lineStates } from './model.js';
import type { PresenceService } from './service.js';

/**
 * A phone line's state as an input of its user. With `holder` (a node instance) the input goes
 * when that node dies; `since` moves only when the state changes. The same state again writes
 * nothing (calls feed every step of every party's line, most of which change nothing).
 */
export async function setLineState(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  line: string,
  state: LineState,
  o: { holder?: string },
): Promise<void> {
  if (!lineStates.includes(state)) throw invalid('state', `must be one of ${lineStates.join(', ')}`);
  if (line.length === 0 || line.length > 100) throw invalid('line', 'must be 1-100 characters');
  if (!(await presence.users.lookup(tenantId, userId))) throw notFound('user');
  const repo = ctx.store.repos.presence;
  const now = ctx.clock.now();
  const holder = o.holder ?? null;
  const current = (await repo.inputs(tenantId, userId, now)).find((s) => s.source === 'line' && s.key === line);
  const was = current?.value as { state?: string; since?: number } | undefined;
  if (was?.state === state && current?.holder === holder) return;
  const value = { state, since: (was?.state === state && was?.since) || now };
  await repo.putInput(tenantId, userId, { source: 'line', key: line, value, expiresAt: null, holder }, now);
  await presence.recompute(tenantId, userId);
}

/** An rtc session the user takes part in (`participants` null: the user left it). */
export async function setRtc(
  ctx: CoreContext,
  presence: PresenceService,
  tenantId: string,
  userId: string,
  sessionId: string,
  participants: number | null,
): Promise<Presence> {
  const repo = ctx.store.repos.presence;
  const now = ctx.clock.now();
  if (participants === null) await repo.deleteInput(tenantId, userId, 'rtc', sessionId);
  else {
    if (!Number.isInteger(participants) || participants < 1)
      throw invalid('participants', 'must be a positive integer');
    const current = (await repo.inputs(tenantId, userId, now)).find((s) => s.source === 'rtc' && s.key === sessionId);
    const since = (current?.value as { since?: number } | undefined)?.since ?? now;
    const value = { participants, since };
    await repo.putInput(tenantId, userId, { source: 'rtc', key: sessionId, value, expiresAt: null }, now);
  }
  return presence.recompute(tenantId, userId);
}
