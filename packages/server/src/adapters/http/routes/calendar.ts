import type { Calendar } from '@parley/api';
import type { Services } from '../../../compose.js';
import type { CalendarView } from '../../../core/calendar/service.js';
import type { Principal } from '../../../core/sessions/service.js';
import type { Actor } from '../../../core/users/service.js';
import { iso } from '../../views/presence.js';
import type { Handlers } from '../types.js';

const dto = (v: CalendarView): Calendar => ({
  ...v,
  lastSyncAt: iso(v.lastSyncAt),
  lastAttemptAt: iso(v.lastAttemptAt),
  nextAttemptAt: iso(v.nextAttemptAt),
});

/** Who changes another user's calendar: a tenant admin may not change a system administrator's. */
const actor = (p: Principal): Actor => ({ role: p.user.role, userId: p.user.id });

/** The caller's own calendar and, for admins, any user's of their tenant. */
export const calendarHandlers = (
  core: Services,
): Handlers<
  | 'me.calendar.get'
  | 'me.calendar.put'
  | 'me.calendar.delete'
  | 'me.calendar.sync'
  | 'admin.users.calendar.get'
  | 'admin.users.calendar.put'
  | 'admin.users.calendar.delete'
  | 'admin.users.calendar.sync'
> => ({
  'me.calendar.get': async ({ principal: p }) => dto(await core.calendar.get(p.user.tenantId, p.user.id)),
  'me.calendar.put': async ({ principal: p, body }) => dto(await core.calendar.set(p.user.tenantId, p.user.id, body)),
  'me.calendar.delete': async ({ principal: p }) => {
    await core.calendar.remove(p.user.tenantId, p.user.id);
    return undefined;
  },
  'me.calendar.sync': async ({ principal: p }) => dto(await core.calendar.sync(p.user.tenantId, p.user.id)),
  'admin.users.calendar.get': async ({ principal: p, params }) =>
    dto(await core.calendar.get(p.user.tenantId, params.id, actor(p))),
  'admin.users.calendar.put': async ({ principal: p, params, body }) =>
    dto(await core.calendar.set(p.user.tenantId, params.id, body, actor(p))),
  'admin.users.calendar.delete': async ({ principal: p, params }) => {
    await core.calendar.remove(p.user.tenantId, params.id, actor(p));
    return undefined;
  },
  'admin.users.calendar.sync': async ({ principal: p, params }) =>
    dto(await core.calendar.sync(p.user.tenantId, params.id, actor(p))),
});
