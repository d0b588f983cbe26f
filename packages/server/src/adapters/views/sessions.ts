// The API form (`@parley/api`) of a session.
import type { Session as SessionDto } from '@parley/api';
import type { Session } from '../../core/sessions/model.js';
import { iso } from './time.js';

/** A session as its user sees it; `currentId`: the session asking. */
export const sessionView = (s: Session, currentId?: string): SessionDto => ({
  id: s.id,
  createdAt: iso(s.createdAt),
  lastSeenAt: iso(s.lastSeenAt),
  expiresAt: iso(s.expiresAt),
  userAgent: s.userAgent,
  address: s.address,
  current: s.id === currentId,
});
