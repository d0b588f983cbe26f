// The sources of a tenant's directory: create, change and delete them (settings checked against the
// server's limits and the local-files rule), their connectors and secrets, and the connection test.
import { randomUUID } from 'node:crypto';
import type { CoreContext } from '../core/context.js';
import { conflict, forbidden, invalid, notFound } from '../core/errors.js';
import type { SecretSealer } from '../platform/secrets.js';
import { checkLimits, clampLimits, type DirectoryLimits } from './limits.js';
import { LocalAccessError, type LocalFiles, localPathOf, withLocalPath } from './local-files.js';
import { newSource, type SourceKind, type SourceRow, type Visibility } from './model.js';
import type { DirectoryRepository } from './repository.js';
import type { DirectorySource } from './source.js';

/** The id and name of the always-present source of Parley's own users (first in priority). */
export const USERS_SOURCE = 'users';

/** Builds the connector of a source from its settings and its opened secret. */
export type ConnectorFactory = (source: SourceRow, secret: string | null) => DirectorySource;

export interface DirectoryOptions {
  secrets: SecretSealer;
  connect: ConnectorFactory;
  /** Where local sources (a file's `path`, `sqlite:`) may read: `directory.localFolders`. */
  local: LocalFiles;
  /** `directory.limits`: the caps of every source's own limits. */
  limits: DirectoryLimits;
  /** Where each tenant's index is kept between runs (snapshot.ts); absent: built from the store at every start. */
  snapshots?: string;
}

/** Who changes a source: only a system administrator may point one at a local file or database. */
export interface SourceActor {
  role: string;
}

const LOCAL_FOR_SYSTEM_ADMINS =
  'local files and databases on the server are for system administrators; upload the file instead (POST …/import)';

const secretContext = (tenantId: string, sourceId: string) => `directory/${tenantId}/${sourceId}`;

/** The sources of the tenants' directories, as the DirectoryService changes and runs them. */
export class DirectorySources {
  constructor(
    private readonly ctx: CoreContext,
    private readonly repo: DirectoryRepository,
    private readonly options: DirectoryOptions,
  ) {}

  list(tenantId: string): Promise<SourceRow[]> {
    return this.repo.sources(tenantId);
  }

  async get(tenantId: string, idOrName: string): Promise<SourceRow> {
    const s = await this.repo.source(tenantId, idOrName);
    if (!s) throw notFound('directory source');
    return s;
  }

  async create(
    tenantId: string,
    input: {
      name: string;
      kind: SourceKind;
      priority?: number;
      config: Record<string, unknown>;
      secret?: string | null;
      scheduleSeconds?: number | null;
      visibleTo?: Visibility | null;
    },
    actor?: SourceActor,
  ): Promise<SourceRow> {
    if (input.name === USERS_SOURCE) throw invalid('name', `"${USERS_SOURCE}" is the source of Parley's own users`);
    if (await this.repo.source(tenantId, input.name)) throw conflict(`a directory source named ${input.name} exists`);
    const now = this.ctx.clock.now();
    const id = randomUUID();
    const row = newSource(
      {
        id,
        tenantId,
        name: input.name,
        kind: input.kind,
        priority: input.priority ?? 100,
        config: input.config,
        secretSealed: input.secret ? this.options.secrets.seal(input.secret, secretContext(tenantId, id)) : null,
        scheduleSeconds: input.scheduleSeconds ?? null,
        visibleTo: input.visibleTo ?? null,
      },
      now,
    );
    await this.checkConfig(input.kind, input.config, null, actor);
    this.connector(row, input.secret ?? null);
    await this.repo.insertSource(row);
    await this.changed(tenantId, id);
    return row;
  }

  async update(
    tenantId: string,
    idOrName: string,
    patch: {
      name?: string;
      priority?: number;
      config?: Record<string, unknown>;
      secret?: string | null;
      scheduleSeconds?: number | null;
      visibleTo?: Visibility | null;
    },
    actor?: SourceActor,
  ): Promise<SourceRow> {
    const s = await this.get(tenantId, idOrName);
    if (patch.config !== undefined) await this.checkConfig(s.kind, patch.config, s.config, actor);
    const { secret, ...rest } = patch;
    const next: SourceRow = { ...s, ...rest };
    if (secret !== undefined)
      next.secretSealed = secret === null ? null : this.options.secrets.seal(secret, secretContext(tenantId, s.id));
    this.connector(next, secret ?? this.secretOf(s));
    // A new connection starts over: the next sync is a full one.
    const cursor = patch.config !== undefined ? { cursor: null } : {};
    await this.repo.updateSource(
      tenantId,
      s.id,
      { ...rest, ...cursor, ...(secret !== undefined && { secretSealed: next.secretSealed }) },
      this.ctx.clock.now(),
    );
    await this.changed(tenantId, s.id);
    return this.get(tenantId, s.id);
  }

  async remove(tenantId: string, idOrName: string): Promise<void> {
    const s = await this.get(tenantId, idOrName);
    await this.repo.deleteSource(tenantId, s.id);
    await this.changed(tenantId, s.id);
  }

  /**
   * Refuses settings above the server's caps, and a local path (a file's `path`, `sqlite:`) set or
   * changed by anyone but a system administrator (`actor` absent: the CLI, run by one) or outside
   * `directory.localFolders`.
   */
  private async checkConfig(
    kind: SourceKind,
    config: Record<string, unknown>,
    before: Record<string, unknown> | null,
    actor: SourceActor | undefined,
  ): Promise<void> {
    checkLimits(kind, config, this.options.limits);
    const path = localPathOf(kind, config);
    if (path === null) return;
    const unchanged = before !== null && localPathOf(kind, before) === path;
    if (actor && actor.role !== 'system-admin' && !unchanged) throw forbidden(LOCAL_FOR_SYSTEM_ADMINS);
    try {
      await this.options.local.resolve(path);
    } catch (err) {
      if (err instanceof LocalAccessError) throw forbidden(err.message);
      throw err;
    }
  }

  /**
   * The source as its connector runs it: limits capped by the server's, a local path checked
   * against the configuration again (it may have changed since the source was stored) and
   * resolved to the real file.
   */
  async runnable(s: SourceRow): Promise<SourceRow> {
    const config = clampLimits(s.kind, s.config, this.options.limits);
    const path = localPathOf(s.kind, s.config);
    if (path === null) return { ...s, config };
    return { ...s, config: withLocalPath(s.kind, config, await this.options.local.resolve(path)) };
  }

  /** The connector of a source; bad settings are PARLEY_ERR_VALIDATION (they never reach the store). */
  connector(s: SourceRow, secret: string | null): DirectorySource {
    try {
      return this.options.connect(s, secret);
    } catch (err) {
      throw invalid('config', (err as Error).message);
    }
  }

  secretOf(s: SourceRow): string | null {
    return s.secretSealed && this.options.secrets.open(s.secretSealed, secretContext(s.tenantId, s.id));
  }

  /** Checks the source's connection and credentials; throws PARLEY_ERR_VALIDATION with the reason. */
  async test(tenantId: string, idOrName: string): Promise<void> {
    const s = await this.get(tenantId, idOrName);
    try {
      await this.connector(await this.runnable(s), this.secretOf(s)).test(AbortSignal.timeout(30_000));
    } catch (err) {
      throw invalid('source', (err as Error).message);
    }
  }

  /** Tells every node (this one included) that a source's contacts changed. */
  async changed(tenantId: string, sourceId: string): Promise<void> {
    await this.ctx.bus.publish('directory.changed', { tenantId, sourceId });
  }
}
