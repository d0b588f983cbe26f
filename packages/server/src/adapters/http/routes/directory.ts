import type {
  LdapAccount as LdapAccountDto,
  RouteOutput,
  RouteRequest,
  DirectorySource as SourceDto,
} from '@parley/api';
import type { Services } from '../../../compose.js';
import { notFound } from '../../../core/errors.js';
import type { LdapAccount } from '../../../core/ldap-accounts/service.js';
import type { Principal } from '../../../core/sessions/service.js';
import type { SourceRow } from '../../../directory/model.js';
import { isoOrNull } from '../../views/time.js';
import type { Handlers } from '../types.js';

/** A source as the API shows it: never its secret, only whether it has one. */
export const sourceView = (s: SourceRow): SourceDto => ({
  id: s.id,
  name: s.name,
  kind: s.kind,
  priority: s.priority,
  config: s.config,
  hasSecret: s.secretSealed !== null,
  scheduleSeconds: s.scheduleSeconds,
  visibleTo: s.visibleTo,
  state: s.state,
  progress: s.progress,
  entries: s.entries,
  invalidNumbers: s.invalidNumbers,
  lastSyncAt: isoOrNull(s.lastSyncAt),
  lastFullSyncAt: isoOrNull(s.lastFullSyncAt),
  lastError: s.lastError,
  report: s.report,
});

const viewer = (p: Principal) => ({ userId: p.user.id, role: p.user.role });

/** The reverse lookup in the caller's tenant, for the fastify route and the lean one (lookup-route.ts) alike. */
export const directoryLookup =
  (core: Services) =>
  (principal: Principal, query: RouteRequest<'directory.lookup'>['query']): Promise<RouteOutput<'directory.lookup'>> =>
    core.directory.tenant(principal.user.tenantId).lookup(query.number, viewer(principal));

export const directoryHandlers = (
  core: Services,
): Handlers<
  | 'directory.lookup'
  | 'directory.search'
  | 'admin.directory.sources.list'
  | 'admin.directory.sources.create'
  | 'admin.directory.sources.get'
  | 'admin.directory.sources.update'
  | 'admin.directory.sources.delete'
  | 'admin.directory.sources.test'
  | 'admin.directory.sources.sync'
  | 'admin.directory.ldapAccount.get'
  | 'admin.directory.ldapAccount.set'
  | 'admin.directory.ldapAccount.delete'
> => {
  const d = core.directory;
  const lookup = directoryLookup(core);
  return {
    'directory.lookup': ({ principal, query }) => lookup(principal, query),
    'directory.search': async ({ principal, query }) => ({
      candidates: await d.tenant(principal.user.tenantId).search(query.q, viewer(principal), query.limit),
    }),
    'admin.directory.sources.list': async ({ principal }) => ({
      sources: (await d.sources.list(principal.user.tenantId)).map(sourceView),
    }),
    'admin.directory.sources.create': async ({ principal, body }) =>
      sourceView(await d.sources.create(principal.user.tenantId, body, principal.user)),
    'admin.directory.sources.get': async ({ principal, params }) =>
      sourceView(await d.sources.get(principal.user.tenantId, params.id)),
    'admin.directory.sources.update': async ({ principal, params, body }) =>
      sourceView(await d.sources.update(principal.user.tenantId, params.id, body, principal.user)),
    'admin.directory.sources.delete': async ({ principal, params }) => {
      await d.sources.remove(principal.user.tenantId, params.id);
    },
    'admin.directory.sources.test': async ({ principal, params }) => {
      await d.sources.test(principal.user.tenantId, params.id);
    },
    'admin.directory.sources.sync': async ({ principal, params, body }) => {
      const tenantId = principal.user.tenantId;
      // Answers once the source is marked as syncing (404/409 if it cannot start); the sync goes
      // on, and its progress, outcome and report are the source's.
      const { done } = await d.sync.start(tenantId, params.id, { full: body.full });
      done.catch(() => undefined);
      return sourceView(await d.sources.get(tenantId, params.id));
    },
    'admin.directory.ldapAccount.get': async ({ principal }) => {
      const account = await core.ldapAccounts.get(principal.user.tenantId);
      if (!account) throw notFound('LDAP phone-book account');
      return ldapAccountView(account);
    },
    'admin.directory.ldapAccount.set': async ({ principal }) => {
      const { account, secret } = await core.ldapAccounts.set(principal.user.tenantId);
      return { ...ldapAccountView(account), password: secret };
    },
    'admin.directory.ldapAccount.delete': async ({ principal }) => {
      await core.ldapAccounts.remove(principal.user.tenantId);
    },
  };
};

const ldapAccountView = (a: LdapAccount): LdapAccountDto => ({
  bindDn: a.bindDn,
  address: a.address,
  baseDn: a.baseDn,
  createdAt: new Date(a.createdAt).toISOString(),
});
