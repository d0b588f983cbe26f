import type { DirectorySource as SourceDto } from '@parley/api';
import type { Core } from '../../../core/index.js';
import { iso } from '../../../core/messaging/views.js';
import type { Principal } from '../../../core/sessions/service.js';
import type { SourceRow } from '../../../directory/model.js';
import { formatDisplay } from '../../../lib/phone-number.js';
import type { Handlers } from '../types.js';

const orNull = (ms: number | null) => (ms === null ? null : iso(ms));

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
  lastSyncAt: orNull(s.lastSyncAt),
  lastFullSyncAt: orNull(s.lastFullSyncAt),
  lastError: s.lastError,
  report: s.report,
});

const viewer = (p: Principal) => ({ userId: p.user.id, role: p.user.role });

export const directoryHandlers = (
  core: Core,
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
> => {
  const d = core.directory;
  return {
    'directory.lookup': async ({ principal, query }) => {
      const tenantId = principal.user.tenantId;
      const result = await d.lookup(tenantId, query.number, viewer(principal));
      return { ...result, display: formatDisplay(result.number, await d.plan(tenantId)) };
    },
    'directory.search': async ({ principal, query }) => ({
      candidates: await d.search(principal.user.tenantId, query.q, viewer(principal), query.limit),
    }),
    'admin.directory.sources.list': async ({ principal }) => ({
      sources: (await d.sources(principal.user.tenantId)).map(sourceView),
    }),
    'admin.directory.sources.create': async ({ principal, body }) =>
      sourceView(await d.createSource(principal.user.tenantId, body, principal.user)),
    'admin.directory.sources.get': async ({ principal, params }) =>
      sourceView(await d.source(principal.user.tenantId, params.id)),
    'admin.directory.sources.update': async ({ principal, params, body }) =>
      sourceView(await d.updateSource(principal.user.tenantId, params.id, body, principal.user)),
    'admin.directory.sources.delete': async ({ principal, params }) => {
      await d.deleteSource(principal.user.tenantId, params.id);
    },
    'admin.directory.sources.test': async ({ principal, params }) => {
      await d.test(principal.user.tenantId, params.id);
    },
    'admin.directory.sources.sync': async ({ principal, params, body }) => {
      const tenantId = principal.user.tenantId;
      // Answers once the source is marked as syncing (404/409 if it cannot start); the sync goes
      // on, and its progress, outcome and report are the source's.
      const { done } = await d.startSync(tenantId, params.id, { full: body.full });
      done.catch(() => undefined);
      return sourceView(await d.source(tenantId, params.id));
    },
  };
};
