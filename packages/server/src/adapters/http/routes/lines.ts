import type { Services } from '../../../compose.js';
import { notFound } from '../../../core/errors.js';
import { lineView } from '../../views/lines.js';
import type { Handlers } from '../types.js';

/** Lines of the caller's tenant, for its admins. */
export const lineHandlers = (
  core: Services,
): Handlers<'admin.lines.list' | 'admin.lines.create' | 'admin.lines.update' | 'admin.lines.delete'> => ({
  'admin.lines.list': async ({ principal: { user } }) => ({
    lines: (await core.lines.listOwned(user.tenantId)).map(lineView),
  }),
  'admin.lines.create': async ({ principal: { user }, body }) => {
    const owner = body.user.includes('@')
      ? await core.users.find(user.tenantId, body.user)
      : await core.users.get(user.tenantId, body.user);
    if (!owner) throw notFound('user');
    const line = await core.lines.add(
      user.tenantId,
      { number: body.number, userId: owner.id, did: body.did, pickupGroup: body.pickupGroup },
      user,
    );
    return lineView({ line, user: owner });
  },
  'admin.lines.update': async ({ principal: { user }, params, body }) =>
    lineView(await core.lines.setPickupGroup(user.tenantId, params.number, body.pickupGroup, user)),
  'admin.lines.delete': async ({ principal: { user }, params }) => {
    await core.lines.remove(user.tenantId, params.number, user);
    return undefined;
  },
});
