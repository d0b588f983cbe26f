import type { Feature } from '../core/feature.js';
import type { DirectoryService } from './service.js';

/** How often the node holding the `directory-sync` lease looks for sources whose schedule is due. */
const SCHEDULE_CHECK_MS = 30_000;

/**
 * Keeps each node's directory indexes in step (a source synced or changed anywhere, users added
 * or changed), builds them at start, and runs the sources' scheduled syncs on one node of the
 * cluster. The directory is not part of the core (it builds on it), so the feature is given it.
 */
export const directoryFeature = (directory: DirectoryService): Feature => ({
  name: 'directory',
  setup(ctx) {
    ctx.subscribe('directory.changed', (e) => directory.reload(e.tenantId, e.sourceId));
    ctx.subscribe('user.created', (e) => directory.userChanged(e.tenantId, e.userId));
    ctx.subscribe('user.updated', (e) => directory.userChanged(e.tenantId, e.userId));
    ctx.subscribe('user.deleted', (e) => directory.userChanged(e.tenantId, e.userId));
    // A new numbering plan changes how numbers read: the index is built again.
    ctx.subscribe('tenant.updated', (e) => directory.rebuild(e.tenantId));
    ctx.subscribe('tenant.deleted', (e) => directory.forget(e.tenantId));
    ctx.every(SCHEDULE_CHECK_MS, () => directory.sync.due(), { lease: 'directory-sync' });
    const stopping = new AbortController();
    ctx.onStop(() => stopping.abort());
    directory.warm(stopping.signal).catch((err) => {
      if (!stopping.signal.aborted) ctx.log.warn({ err }, 'could not build the directory indexes at start');
    });
  },
});
