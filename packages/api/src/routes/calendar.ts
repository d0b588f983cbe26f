import * as c from '../calendar.js';
import { IdParams } from '../schemas.js';
import { defineRoutes } from './spec.js';

/** A user's calendar input for presence (CalDAV or ICS URL), for themselves and for admins. */
export const calendarRoutes = defineRoutes({
  'me.calendar.get': {
    method: 'GET',
    path: '/api/v1/me/calendar',
    summary: 'Your calendar connection and its sync state',
    access: 'user',
    status: 200,
    response: c.Calendar,
  },
  'me.calendar.put': {
    method: 'PUT',
    path: '/api/v1/me/calendar',
    summary: 'Connect a CalDAV calendar or an ICS URL (replaces the previous one)',
    access: 'user',
    body: c.PutCalendarRequest,
    status: 200,
    response: c.Calendar,
  },
  'me.calendar.delete': {
    method: 'DELETE',
    path: '/api/v1/me/calendar',
    summary: 'Disconnect your calendar',
    access: 'user',
    status: 204,
  },
  'me.calendar.sync': {
    method: 'POST',
    path: '/api/v1/me/calendar/sync',
    summary: 'Poll your calendar now',
    access: 'user',
    status: 200,
    response: c.Calendar,
  },
  'admin.users.calendar.get': {
    method: 'GET',
    path: '/api/v1/admin/users/:id/calendar',
    summary: "A user's calendar connection and its sync state",
    access: 'tenant-admin',
    params: IdParams,
    status: 200,
    response: c.Calendar,
  },
  'admin.users.calendar.put': {
    method: 'PUT',
    path: '/api/v1/admin/users/:id/calendar',
    summary: "Connect a user's CalDAV calendar or ICS URL",
    access: 'tenant-admin',
    params: IdParams,
    body: c.PutCalendarRequest,
    status: 200,
    response: c.Calendar,
  },
  'admin.users.calendar.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/users/:id/calendar',
    summary: "Disconnect a user's calendar",
    access: 'tenant-admin',
    params: IdParams,
    status: 204,
  },
  'admin.users.calendar.sync': {
    method: 'POST',
    path: '/api/v1/admin/users/:id/calendar/sync',
    summary: "Poll a user's calendar now",
    access: 'tenant-admin',
    params: IdParams,
    status: 200,
    response: c.Calendar,
  },
});
