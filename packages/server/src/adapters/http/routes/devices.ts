import type { Services } from '../../../compose.js';
import { deviceView } from '../../views/devices.js';
import type { Handlers } from '../types.js';

const withSecret = ({ device, password }: Awaited<ReturnType<Services['devices']['create']>>) => ({
  device: deviceView(device),
  password,
});

/** SIP devices: the caller's own, and (admins) those of the users of the caller's tenant. */
export const deviceHandlers = (
  core: Services,
): Handlers<
  | 'me.devices.list'
  | 'me.devices.create'
  | 'me.devices.rotate'
  | 'me.devices.delete'
  | 'admin.users.devices.list'
  | 'admin.users.devices.create'
  | 'admin.users.devices.rotate'
  | 'admin.users.devices.delete'
> => ({
  'me.devices.list': async ({ principal: { user } }) => ({
    devices: (await core.devices.list(user.tenantId, user.id)).map(deviceView),
  }),
  'me.devices.create': async ({ principal: { user }, body }) =>
    withSecret(await core.devices.create(user.tenantId, user.id, body, user)),
  'me.devices.rotate': async ({ principal: { user }, params }) =>
    withSecret(await core.devices.rotate(user.tenantId, user.id, params.id, user)),
  'me.devices.delete': async ({ principal: { user }, params }) => {
    await core.devices.remove(user.tenantId, user.id, params.id, user);
    return undefined;
  },
  'admin.users.devices.list': async ({ principal: { user }, params }) => ({
    devices: (await core.devices.list(user.tenantId, params.id)).map(deviceView),
  }),
  'admin.users.devices.create': async ({ principal: { user }, params, body }) =>
    withSecret(await core.devices.create(user.tenantId, params.id, body, user)),
  'admin.users.devices.rotate': async ({ principal: { user }, params }) =>
    withSecret(await core.devices.rotate(user.tenantId, params.id, params.deviceId, user)),
  'admin.users.devices.delete': async ({ principal: { user }, params }) => {
    await core.devices.remove(user.tenantId, params.id, params.deviceId, user);
    return undefined;
  },
});
