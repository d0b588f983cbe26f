// The manual input as a user sets it (web app, API, an XMPP client's dnd): the request checked.
import { invalid } from '../errors.js';
import type { ManualInput } from './aggregate.js';
import { type Availability, availabilities, NOTE_MAX, type PresenceContext, presenceContexts } from './model.js';

export interface ManualRequest {
  availability?: Availability | null;
  note?: string | null;
  context?: PresenceContext | null;
  until?: number | null;
  validFrom?: number | null;
  validTo?: number | null;
}

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The manual input `req` asks for at `now`; bad states or times throw PARLEY_ERR_VALIDATION. */
export function manualInput(req: ManualRequest, now: number): ManualInput {
  const m: ManualInput = {
    availability: req.availability ?? null,
    note: req.note?.trim() || null,
    context: req.context ?? null,
    until: req.until ?? null,
    validFrom: req.validFrom ?? null,
    validTo: req.validTo ?? null,
    setAt: now,
  };
  if (m.availability !== null && !availabilities.includes(m.availability)) {
    throw invalid('availability', `must be one of ${availabilities.join(', ')}`);
  }
  if (m.context !== null && !presenceContexts.includes(m.context)) {
    throw invalid('context', `must be one of ${presenceContexts.join(', ')}`);
  }
  if (m.note !== null && m.note.length > NOTE_MAX) throw invalid('note', `must be at most ${NOTE_MAX} characters`);
  for (const f of ['until', 'validFrom', 'validTo'] as const) {
    if (m[f] !== null && !isTime(m[f])) throw invalid(f, 'must be a point in time');
  }
  if (m.validTo !== null && m.validTo <= now) throw invalid('validTo', 'must be in the future');
  if (m.validFrom !== null && m.validTo !== null && m.validTo <= m.validFrom) {
    throw invalid('validTo', 'must be after validFrom');
  }
  if (m.until !== null && m.until <= now) throw invalid('until', 'must be in the future');
  return m;
}
