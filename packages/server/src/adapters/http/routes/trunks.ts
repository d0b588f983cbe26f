import type { Services } from '../../../compose.js';
import { trunkView } from '../../views/trunks.js';
import type { Handlers } from '../types.js';

/** SIP trunks of the caller's tenant, for its admins. */
export const trunkHandlers = (
  core: Services,
): Handlers<'admin.trunks.list' | 'admin.trunks.create' | 'admin.trunks.delete'> => ({
  'admin.trunks.list': async ({ principal: { user } }) => ({
    trunks: (await core.trunks.list(user.tenantId)).map(trunkView),
  }),
  'admin.trunks.create': async ({ principal: { user }, body }) => trunkView(await core.trunks.add(user.tenantId, body)),
  'admin.trunks.delete': async ({ principal: { user }, params }) => {
    await core.trunks.remove(user.tenantId, params.name);
    return undefined;
  },
});
