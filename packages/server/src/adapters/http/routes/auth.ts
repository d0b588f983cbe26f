import type { Services } from '../../../compose.js';
import { sessionView } from '../../views/sessions.js';
import { iso } from '../../views/time.js';
import { userView } from '../../views/users.js';
import type { Handlers } from '../types.js';

export const authHandlers = (
  core: Services,
): Handlers<'auth.login' | 'auth.cookie' | 'auth.logout' | 'auth.ticket'> => ({
  'auth.login': async ({ body, client }) => {
    const { token, session, user } = await core.auth.login(body.user, body.password, client);
    return { token, expiresAt: iso(session.expiresAt), user: userView(user) };
  },
  'auth.cookie': async ({ body, client, cookies }) => {
    const { token, session, user } = await core.auth.login(body.user, body.password, client);
    const csrfToken = cookies.start(token, session.expiresAt);
    return { csrfToken, expiresAt: iso(session.expiresAt), user: userView(user) };
  },
  'auth.logout': async ({ principal, cookies }) => {
    await core.auth.revoke(principal, principal.session.id);
    cookies.end();
    return undefined;
  },
  'auth.ticket': async ({ principal }) => {
    const { ticket, expiresAt } = await core.auth.createTicket(principal);
    return { ticket, expiresAt: iso(expiresAt) };
  },
});

export const meHandlers = (
  core: Services,
): Handlers<'me.get' | 'me.update' | 'me.password' | 'me.sessions' | 'me.sessions.revoke'> => ({
  'me.get': async ({ principal }) => userView(principal.user),
  'me.update': async ({ principal, body }) =>
    userView(await core.users.update(principal.user.tenantId, principal.user.id, body)),
  'me.password': async ({ principal, body, client }) => {
    await core.auth.confirmPassword(principal, body.current, client.address);
    await core.users.setPassword(principal.user.tenantId, principal.user.id, body.password, {
      keepSessionId: principal.session.id,
    });
    return undefined;
  },
  'me.sessions': async ({ principal }) => ({
    sessions: (await core.auth.listSessions(principal)).map((s) => sessionView(s, principal.session.id)),
  }),
  'me.sessions.revoke': async ({ principal, params }) => {
    await core.auth.revoke(principal, params.id);
    return undefined;
  },
});
