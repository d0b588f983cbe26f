import * as f from '../forwarding.js';
import { defineRoutes } from './spec.js';

/** The caller's call settings: forwarding, do not disturb, remote office. Each change reaches their sockets as `callsettings.changed`. */
export const forwardingRoutes = defineRoutes({
  'me.callSettings.get': {
    method: 'GET',
    path: '/api/v1/me/call-settings',
    summary: 'All your call settings: forwarding, do not disturb and remote office',
    access: 'user',
    status: 200,
    response: f.CallSettings,
  },
  'me.forwarding.get': {
    method: 'GET',
    path: '/api/v1/me/forwarding',
    summary: 'Your call forwarding rules: immediate, busy, no answer',
    access: 'user',
    status: 200,
    response: f.Forwarding,
  },
  'me.forwarding.set': {
    method: 'PUT',
    path: '/api/v1/me/forwarding',
    summary:
      'Change your forwarding rules (those left out stay); a target is a number or an address, never one of your own lines',
    access: 'user',
    body: f.SetForwardingRequest,
    status: 200,
    response: f.Forwarding,
  },
  'me.dnd.get': {
    method: 'GET',
    path: '/api/v1/me/dnd',
    summary: 'Whether do not disturb is on (calls to you are refused)',
    access: 'user',
    status: 200,
    response: f.DoNotDisturb,
  },
  'me.dnd.set': {
    method: 'PUT',
    path: '/api/v1/me/dnd',
    summary: 'Switch do not disturb on or off; it shows in your presence',
    access: 'user',
    body: f.DoNotDisturb,
    status: 200,
    response: f.DoNotDisturb,
  },
  'me.remoteOffice.get': {
    method: 'GET',
    path: '/api/v1/me/remote-office',
    summary: 'Your remote office: an external number that rings with your devices',
    access: 'user',
    status: 200,
    response: f.RemoteOffice,
  },
  'me.remoteOffice.set': {
    method: 'PUT',
    path: '/api/v1/me/remote-office',
    summary: 'Switch your remote office on or off, or change its number',
    access: 'user',
    body: f.SetRemoteOfficeRequest,
    status: 200,
    response: f.RemoteOffice,
  },
});
