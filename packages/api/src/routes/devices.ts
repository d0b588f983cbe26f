import * as d from '../devices.js';
import * as s from '../schemas.js';
import { defineRoutes } from './spec.js';

/**
 * SIP devices: each with its own generated secret (never the login password), shown once at
 * creation and at each rotation. The caller's own, and any user's of the caller's tenant for
 * admins (a tenant admin never a system administrator's).
 */
export const deviceRoutes = defineRoutes({
  'me.devices.list': {
    method: 'GET',
    path: '/api/v1/me/devices',
    summary: 'Your SIP devices (never their secrets)',
    access: 'user',
    status: 200,
    response: d.DeviceList,
  },
  'me.devices.create': {
    method: 'POST',
    path: '/api/v1/me/devices',
    summary: 'Add a SIP device; its generated password is in this answer only',
    access: 'user',
    body: d.CreateDeviceRequest,
    status: 201,
    response: d.DeviceWithSecret,
  },
  'me.devices.rotate': {
    method: 'POST',
    path: '/api/v1/me/devices/:id/secret',
    summary: 'Give one of your devices a new password (in this answer only); the old one stops working',
    access: 'user',
    params: s.IdParams,
    status: 200,
    response: d.DeviceWithSecret,
  },
  'me.devices.delete': {
    method: 'DELETE',
    path: '/api/v1/me/devices/:id',
    summary: 'Remove one of your SIP devices',
    access: 'user',
    params: s.IdParams,
    status: 204,
  },
  'admin.users.devices.list': {
    method: 'GET',
    path: '/api/v1/admin/users/:id/devices',
    summary: "A user's SIP devices (never their secrets)",
    access: 'tenant-admin',
    params: s.IdParams,
    status: 200,
    response: d.DeviceList,
  },
  'admin.users.devices.create': {
    method: 'POST',
    path: '/api/v1/admin/users/:id/devices',
    summary: 'Add a SIP device for a user; its generated password is in this answer only',
    access: 'tenant-admin',
    params: s.IdParams,
    body: d.CreateDeviceRequest,
    status: 201,
    response: d.DeviceWithSecret,
  },
  'admin.users.devices.rotate': {
    method: 'POST',
    path: '/api/v1/admin/users/:id/devices/:deviceId/secret',
    summary: "Give a user's device a new password (in this answer only)",
    access: 'tenant-admin',
    params: d.UserDeviceParams,
    status: 200,
    response: d.DeviceWithSecret,
  },
  'admin.users.devices.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/users/:id/devices/:deviceId',
    summary: "Remove a user's SIP device",
    access: 'tenant-admin',
    params: d.UserDeviceParams,
    status: 204,
  },
});
