import type { Services } from '../../../compose.js';
import { notFound } from '../../../core/errors.js';
import { offlinePresence } from '../../../core/presence/aggregate.js';
import type { Team } from '../../../core/presence/model.js';
import { pickLanguage } from '../../../core/presence/text.js';
import { watcherOf } from '../../../core/presence/watchers.js';
import type { Principal } from '../../../core/sessions/service.js';
import { addressOf } from '../../../core/users/model.js';
import { iso, presenceInfo } from '../../views/presence.js';
import type { Handlers } from '../types.js';

type PresenceRoute =
  | 'presence.me.get'
  | 'presence.me.set'
  | 'presence.me.clear'
  | 'presence.me.activity'
  | 'presence.me.blocks'
  | 'presence.me.block'
  | 'presence.me.unblock'
  | 'presence.list'
  | 'admin.presence.phone'
  | 'admin.presence.phone.remove'
  | 'admin.teams.list'
  | 'admin.teams.create'
  | 'admin.teams.delete'
  | 'admin.teams.members.add'
  | 'admin.teams.members.remove';

const ms = (s: string | null | undefined) => (s == null ? null : Date.parse(s));

export const presenceHandlers = (core: Services): Handlers<PresenceRoute> => {
  const p = core.presence;
  const now = () => core.ctx.clock.now();

  /** A user of the caller's tenant by address, or 404. */
  const userIn = async (tenantId: string, address: string) => {
    const u = await core.users.find(tenantId, address);
    if (!u) throw notFound(`user ${address}`);
    return u;
  };

  const mine = async (principal: Principal, tz: string, language: string | null | undefined) => {
    const { tenantId, id } = principal.user;
    const [presence, m, calendar] = await Promise.all([
      p.get(tenantId, id),
      p.manual(tenantId, id),
      p.calendar(tenantId, id),
    ]);
    return {
      presence: presenceInfo(addressOf(principal.user), presence, {
        lang: pickLanguage(language),
        timeZone: tz,
        now: now(),
      }),
      manual: m && {
        availability: m.availability,
        note: m.note,
        context: m.context,
        until: iso(m.until),
        validFrom: iso(m.validFrom),
        validTo: iso(m.validTo),
        setAt: new Date(m.setAt).toISOString(),
      },
      calendar: calendar && { stale: calendar.stale, fetchedAt: new Date(calendar.fetchedAt).toISOString() },
    };
  };

  const teamView = async (tenantId: string, team: Team) => {
    const users = await core.users.byIds(tenantId, team.members);
    return { id: team.id, name: team.name, members: users.map(addressOf).sort() };
  };

  return {
    'presence.me.get': ({ principal, query, client }) => mine(principal, query.tz, client.language),
    'presence.me.set': async ({ principal, query, body, client }) => {
      await p.setManual(principal.user.tenantId, principal.user.id, {
        availability: body.availability ?? null,
        note: body.note ?? null,
        context: body.context ?? null,
        until: ms(body.until),
        validFrom: ms(body.validFrom),
        validTo: ms(body.validTo),
      });
      return mine(principal, query.tz, client.language);
    },
    'presence.me.clear': async ({ principal }) => {
      await p.clearManual(principal.user.tenantId, principal.user.id);
      return undefined;
    },
    'presence.me.activity': async ({ principal, body }) => {
      await p.setActivity(principal.user.tenantId, principal.user.id, principal.session.id, body.idle);
      return undefined;
    },
    'presence.me.blocks': async ({ principal }) => ({
      blocked: await p.watchers.blocked(principal.user.tenantId, principal.user.id),
    }),
    'presence.me.block': async ({ principal, params }) => {
      await p.watchers.block(principal.user.tenantId, principal.user.id, params.user);
      return undefined;
    },
    'presence.me.unblock': async ({ principal, params }) => {
      await p.watchers.unblock(principal.user.tenantId, principal.user.id, params.user);
      return undefined;
    },
    'presence.list': async ({ principal, query, client }) => {
      const addresses = [...new Set(query.users)];
      const seen = await p.see(principal.user.tenantId, watcherOf(principal.user), addresses);
      const o = { lang: pickLanguage(client.language), timeZone: query.tz, now: now() };
      // Not a user of the caller's tenant: offline (federated presence comes later).
      return { presence: addresses.map((a, i) => presenceInfo(a, seen[i]?.presence ?? offlinePresence, o)) };
    },
    'admin.presence.phone': async ({ principal, body }) => {
      const u = await userIn(principal.user.tenantId, body.user);
      await p.setLineState(u.tenantId, u.id, body.line, body.state);
      return undefined;
    },
    'admin.presence.phone.remove': async ({ principal, query }) => {
      const u = await userIn(principal.user.tenantId, query.user);
      await p.removeLine(u.tenantId, u.id, query.line);
      return undefined;
    },
    'admin.teams.list': async ({ principal }) => {
      const { tenantId } = principal.user;
      return { teams: await Promise.all((await p.watchers.listTeams(tenantId)).map((t) => teamView(tenantId, t))) };
    },
    'admin.teams.create': async ({ principal, body }) => {
      const { tenantId } = principal.user;
      const members = await Promise.all((body.members ?? []).map((a) => userIn(tenantId, a)));
      const team = await p.watchers.createTeam(
        tenantId,
        body.name,
        members.map((u) => u.id),
      );
      return teamView(tenantId, team);
    },
    'admin.teams.delete': async ({ principal, params }) => {
      await p.watchers.deleteTeam(principal.user.tenantId, params.id);
      return undefined;
    },
    'admin.teams.members.add': async ({ principal, params, body }) => {
      const { tenantId } = principal.user;
      const u = await userIn(tenantId, body.user);
      return teamView(tenantId, await p.watchers.addMember(tenantId, params.id, u.id));
    },
    'admin.teams.members.remove': async ({ principal, params }) => {
      const { tenantId } = principal.user;
      const u = await userIn(tenantId, params.user);
      return teamView(tenantId, await p.watchers.removeMember(tenantId, params.id, u.id));
    },
  };
};
