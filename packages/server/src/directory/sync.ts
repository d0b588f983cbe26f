// Running a source's sync: the claim across the cluster, progress, the report of unparseable numbers
// and skipped rows, the store and index updated, full syncs after a numbering plan change; scheduled syncs.
import type { CoreContext } from '../core/context.js';
import { conflict, invalid } from '../core/errors.js';
import type { NumberingPlan } from '../lib/phone-number.js';
import { normalizeContact, planKey } from './contacts.js';
import type { SourceRow, SyncReport } from './model.js';
import type { DirectoryRepository } from './repository.js';
import type { DirectorySource } from './source.js';
import type { DirectoryOptions, DirectorySources } from './sources.js';

/** A sync that has not reported progress this long is taken to have died with its node. */
const SYNC_STALE_MS = 10 * 60_000;
/** How many unparseable numbers and skipped rows a sync report keeps (the counts are exact). */
const REPORT_MAX = 200;

export interface SyncProgress {
  done: number;
  total: number | null;
}

export interface SyncSummary {
  source: string;
  full: boolean;
  entries: number;
  upserted: number;
  removed: number;
  invalidNumbers: number;
  skippedRows: number;
  ms: number;
}

/** Syncs the tenants' sources into the store (and, by `directory.changed`, the indexes). */
export class DirectorySync {
  constructor(
    private readonly ctx: CoreContext,
    private readonly repo: DirectoryRepository,
    private readonly options: DirectoryOptions,
    private readonly sources: DirectorySources,
    /** The tenant's numbering plan (its TenantDirectory's cached one). */
    private readonly plan: (tenantId: string) => Promise<NumberingPlan>,
  ) {}

  /**
   * Syncs a source into the store and the indexes: incremental when the source has a cursor and
   * `full` is not asked, else everything (then what was not delivered is removed). A failing
   * source keeps its last good contacts and gets state `error` with the message.
   */
  async run(
    tenantId: string,
    idOrName: string,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource } = {},
  ): Promise<SyncSummary> {
    return (await this.start(tenantId, idOrName, options)).done;
  }

  /**
   * Marks the source as syncing (PARLEY_ERR_CONFLICT if a sync of it runs anywhere in the
   * cluster) and starts the sync; `done` settles with its outcome. `contacts` replaces the
   * source's connector for this run (an uploaded file).
   */
  async start(
    tenantId: string,
    idOrName: string,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource } = {},
  ): Promise<{ done: Promise<SyncSummary> }> {
    const s = await this.sources.get(tenantId, idOrName);
    if (!(await this.repo.claimSync(tenantId, s.id, this.ctx.clock.now(), SYNC_STALE_MS))) {
      throw conflict(`directory source ${s.name} is being synced already`);
    }
    return { done: this.runSync(s, options) };
  }

  private async runSync(
    s: SourceRow,
    options: { full?: boolean; onProgress?: (p: SyncProgress) => void; contacts?: DirectorySource },
  ): Promise<SyncSummary> {
    const { tenantId } = s;
    const started = this.ctx.clock.now();
    const log = this.ctx.log.child({ tenantId, source: s.name });
    const plan = await this.plan(tenantId);
    const report: SyncReport = { invalidNumbers: [], skippedRows: [] };
    let invalidCount = 0;
    let upserted = 0;
    let lastProgressWrite = 0;
    const { maxContacts } = this.options.limits;
    // Stored numbers read with another numbering plan: only a full sync reads them all again.
    const numbering = planKey(plan);
    const cursor = options.full || options.contacts || s.numbering !== numbering ? null : s.cursor;
    const controller = new AbortController();
    try {
      const connector =
        options.contacts ?? this.sources.connector(await this.sources.runnable(s), this.sources.secretOf(s));
      const gen = connector.sync({
        cursor,
        signal: controller.signal,
        log,
        progress: (done, total) => {
          options.onProgress?.({ done, total });
          const now = this.ctx.clock.now();
          if (now - lastProgressWrite >= 1000) {
            lastProgressWrite = now;
            void this.repo
              .updateSource(tenantId, s.id, { progress: { done, total } }, now)
              .catch((err) => log.warn({ err }, 'could not record sync progress'));
          }
        },
      });
      let step = await gen.next();
      while (!step.done) {
        if (upserted + step.value.length > maxContacts) {
          await gen.return({ full: false, cursor: null });
          throw new Error(`the source delivers more than ${maxContacts} contacts (directory.limits.maxContacts)`);
        }
        const stored = step.value.map((c) => {
          const { contact, invalid } = normalizeContact(c, plan);
          for (const i of invalid) {
            invalidCount++;
            if (report.invalidNumbers.length < REPORT_MAX)
              report.invalidNumbers.push({ externalId: c.externalId, ...i });
          }
          return contact;
        });
        await this.repo.upsertEntries(tenantId, s.id, stored, started);
        upserted += stored.length;
        step = await gen.next();
      }
      const outcome = step.value;
      const skipped = (connector as { skippedRows?: { line: number; reason: string }[] }).skippedRows ?? [];
      report.skippedRows = skipped.slice(0, REPORT_MAX);
      let removed = 0;
      if (outcome.full) removed += await this.repo.deleteUnseen(tenantId, s.id, started);
      if (outcome.deleted?.length) removed += await this.repo.deleteEntries(tenantId, s.id, outcome.deleted);
      const entries = await this.repo.countEntries(tenantId, s.id);
      const finished = this.ctx.clock.now();
      await this.repo.updateSource(
        tenantId,
        s.id,
        {
          state: 'ok',
          cursor: outcome.cursor,
          entries,
          invalidNumbers: invalidCount,
          lastSyncAt: finished,
          ...(outcome.full && { lastFullSyncAt: finished, numbering }),
          lastError: null,
          report,
          progress: null,
        },
        finished,
      );
      await this.sources.changed(tenantId, s.id);
      const summary: SyncSummary = {
        source: s.name,
        full: outcome.full,
        entries,
        upserted,
        removed,
        invalidNumbers: invalidCount,
        skippedRows: skipped.length,
        ms: finished - started,
      };
      log.info(summary, 'directory source synced');
      return summary;
    } catch (err) {
      controller.abort();
      const message = (err as Error).message;
      log.warn({ err }, 'directory sync failed; the last good contacts stay');
      await this.repo.updateSource(
        tenantId,
        s.id,
        { state: 'error', lastError: message, progress: null },
        this.ctx.clock.now(),
      );
      if (upserted > 0) await this.sources.changed(tenantId, s.id);
      throw invalid('source', message);
    }
  }

  /** Sources whose schedule says a sync is due (run by the node holding the directory-sync lease). */
  async due(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const tenant of await this.ctx.store.repos.tenants.list()) {
      for (const s of await this.repo.sources(tenant.id)) {
        if (s.scheduleSeconds === null || s.state === 'syncing') continue;
        if (s.lastSyncAt !== null && now - s.lastSyncAt < s.scheduleSeconds * 1000) continue;
        await this.run(tenant.id, s.id).catch(() => undefined);
      }
    }
  }
}
