// The services adapters and the CLI call: the core's, and the directory's, which builds on the core
// (its context, errors and users) while the core knows nothing of it.
import type { CoreContext } from './core/context.js';
import { type CoreOptions, createCore } from './core/index.js';
import type { NumberResolver } from './core/journal/model.js';
import { DirectoryRepository } from './directory/repository.js';
import { type DirectoryOptions, DirectoryService } from './directory/service.js';

export type ServicesOptions = CoreOptions & { directory: DirectoryOptions };

/** The core services and the directory over one context. */
export function createServices(ctx: CoreContext, options: ServicesOptions) {
  const directory = new DirectoryService(ctx, new DirectoryRepository(ctx.store.db), options.directory);
  // Calls and the journal name external numbers through the directory (reverse lookup).
  const resolver: NumberResolver = {
    async resolve(tenantId, number) {
      const found = await directory.tenant(tenantId).resolve(number);
      return found && { name: found.name, company: found.company, match: found.match };
    },
  };
  return { ...createCore(ctx, { ...options, resolver }), directory };
}
export type Services = ReturnType<typeof createServices>;
