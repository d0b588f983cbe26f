import { userView } from '../../views/users.js';
import type { EventStream } from './stream.js';

/** The user's own sessions and account: changes, revocation, removal of the user or tenant. */
export const identityStream: EventStream = ({ core, principal, send, revoke, onClose }) => {
  const { tenantId, userId, id: sessionId } = principal.session;
  const bus = core.ctx.bus;
  onClose(
    bus.subscribe(
      'session.revoked',
      (e) =>
        e.sessionId === sessionId
          ? revoke()
          : send({ type: 'session.revoked', sessionId: e.sessionId, current: false }),
      { userId },
    ),
  );
  onClose(
    bus.subscribe('session.created', (e) => send({ type: 'session.created', sessionId: e.sessionId }), { userId }),
  );
  onClose(bus.subscribe('user.updated', (e) => send({ type: 'user.updated', user: userView(e.user) }), { userId }));
  onClose(bus.subscribe('user.deleted', revoke, { userId }));
  onClose(bus.subscribe('tenant.deleted', revoke, { tenantId }));
};
