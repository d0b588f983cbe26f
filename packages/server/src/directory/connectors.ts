import type { OutboundPolicy } from '../platform/outbound.js';
import { DEFAULT_MAX_BYTES } from './file/common.js';
import { FileSource, type FileSourceConfig, parseFileSourceConfig } from './file/source.js';
import type { OpenChunks } from './file/stream.js';
import { HttpSource } from './http/source.js';
import { LdapSource } from './ldap/source.js';
import { readLocalFile } from './local-files.js';
import type { SourceRow } from './model.js';
import type { DirectorySource } from './source.js';
import { SqlSource } from './sql/source.js';

/**
 * A file source over given bytes (an upload, `parley directory import`), with its settings;
 * `skippedRows` lists the rows or cards it skipped, with their line numbers.
 */
export function fileSource(
  options: { read: () => Promise<Buffer>; open?: OpenChunks } & Record<string, unknown>,
): FileSource {
  const { read, open, path: _path, ...config } = options;
  return new FileSource({ ...parseFileSourceConfig(config), read, open });
}

/** What the network connectors need from the server: the outbound policy (from `outbound.allow`). */
export interface ConnectorDeps {
  outbound: OutboundPolicy;
}

/**
 * The connector of a stored source, from its settings and its opened secret. A file source with
 * a `path` reads that file at each sync (it must be readable on the node running the sync);
 * without one it only takes imports. The directory service has checked a local path (a file's
 * `path`, an `sqlite:` URL) against `directory.localFolders` and resolved it, and capped the
 * limits, before it asks for a connector that syncs. Bind `deps` to get a ConnectorFactory.
 */
export const connectorFor = (source: SourceRow, secret: string | null, deps: ConnectorDeps): DirectorySource => {
  switch (source.kind) {
    case 'ldap':
      return new LdapSource(source.config as ConstructorParameters<typeof LdapSource>[0], secret, deps.outbound);
    case 'sql':
      return new SqlSource(source.config as ConstructorParameters<typeof SqlSource>[0], secret, deps.outbound);
    case 'http':
      return new HttpSource(source.config as ConstructorParameters<typeof HttpSource>[0], secret, deps.outbound);
    case 'file': {
      const { path, ...config } = source.config as FileSourceConfig & { path?: unknown };
      if (path !== undefined && typeof path !== 'string') throw new Error('path: must be a file path');
      return fileSource({
        ...config,
        read: async () => {
          if (!path) throw new Error(`${source.name} has no path: import a file into it instead`);
          return readLocalFile(path, config.maxBytes ?? DEFAULT_MAX_BYTES);
        },
      });
    }
  }
};
