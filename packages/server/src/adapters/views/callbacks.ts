// The API form (`@parley/api`) of a call-back, for the HTTP routes and the event socket.
import type { CallBack as CallBackDto } from '@parley/api';
import type { Services } from '../../compose.js';
import type { CallBackRequest } from '../../core/callbacks/model.js';
import { addressOf } from '../../core/users/model.js';
import { iso } from './time.js';

export async function callBackView(core: Services, r: CallBackRequest): Promise<CallBackDto> {
  const target = await core.users.get(r.tenantId, r.targetUserId).catch(() => undefined);
  return {
    id: r.id,
    from: r.fromNumber,
    to: r.targetNumber,
    toUser: target ? addressOf(target) : null,
    toName: target?.displayName ?? null,
    mode: r.mode,
    createdAt: iso(r.createdAt),
    expiresAt: iso(r.expiresAt),
  };
}
