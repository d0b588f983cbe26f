// When a tenant's index is read from its snapshot and when it is written (snapshot.ts has the file):
// at the first build the snapshot replaces the build if it is usable, and the sources changed since
// are named for a reload; after changes of the index it is written again, at most one write at a
// time (a reload that leaves the index as it was writes nothing).
import type { Logger } from '../platform/log.js';
import { TenantIndex } from './index.js';
import type { SourceRow } from './model.js';
import { readSnapshot, type SourceState, sameState, snapshotFile, sourceState, writeSnapshot } from './snapshot.js';
import { USERS_SOURCE } from './sources.js';

/** How long after a change of the index its snapshot is written (changes meanwhile are written with it). */
export const SNAPSHOT_DELAY_MS = 60_000;

export class IndexSnapshots {
  /** What each source had synced when its contacts went into the index (the snapshot records it). */
  readonly loaded = new Map<string, SourceState>();
  private timer: NodeJS.Timeout | null = null;
  /** When `timer` fires (Date.now() time). */
  private dueAt = 0;
  private saving = false;

  /**
   * @param folder where snapshots are kept; null: never read or written.
   * @param current the index that answers, and the numbering plan (key) it was built with.
   */
  constructor(
    private readonly tenantId: string,
    private readonly folder: string | null,
    private readonly log: Logger,
    private readonly current: () => { index: TenantIndex; plan: string } | null,
  ) {}

  /**
   * The index from its snapshot when there is a usable one (its version, checksum, tenant and
   * numbering plan match), with the sources to reload once it answers: the users, the sources
   * whose state differs from the store's (`rows`), and those gone. Anything unusable is logged
   * and gives null: the index is built from the store.
   */
  async restore(
    plan: string,
    rows: () => Promise<SourceRow[]>,
  ): Promise<{ index: TenantIndex; stale: string[] } | null> {
    if (this.folder === null) return null;
    const started = Date.now();
    const file = snapshotFile(this.folder, this.tenantId);
    const snap = await readSnapshot(file, this.tenantId, plan).catch((err: Error) => ({ unusable: err.message }));
    if ('unusable' in snap) {
      const reason = snap.unusable;
      if (reason !== 'none yet') {
        this.log.warn({ tenantId: this.tenantId, reason }, 'directory index snapshot not used; building the index');
      }
      return null;
    }
    const index = TenantIndex.fromImage(snap.image);
    const stored = await rows();
    const was = new Map(snap.sources.map((s) => [s.id, s]));
    for (const s of snap.sources) this.loaded.set(s.id, s);
    const changed = stored.filter((r) => {
      const w = was.get(r.id);
      return w === undefined || !sameState(w, sourceState(r));
    });
    const gone = snap.sources.filter((s) => !stored.some((r) => r.id === s.id));
    this.log.info(
      {
        tenantId: this.tenantId,
        contacts: index.size,
        ms: Date.now() - started,
        changed: changed.length + gone.length,
      },
      'directory index loaded from its snapshot',
    );
    return { index, stale: [USERS_SOURCE, ...changed.map((r) => r.id), ...gone.map((s) => s.id)] };
  }

  /** Writes the snapshot `delayMs` from now or at the time asked before, whichever is sooner (one write for all). */
  saveSoon(delayMs: number): void {
    if (this.folder === null) return;
    const at = Date.now() + delayMs;
    if (this.timer !== null) {
      if (at >= this.dueAt) return;
      clearTimeout(this.timer);
    }
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save().catch((err) =>
        this.log.warn({ err, tenantId: this.tenantId }, 'directory index snapshot not written'),
      );
    }, delayMs);
    this.timer.unref();
  }

  /** Writes the snapshot; one taken while the index changed is thrown away and written again later. */
  private async save(): Promise<void> {
    const current = this.current();
    if (current === null || this.folder === null) return;
    if (this.saving) return this.saveSoon(SNAPSHOT_DELAY_MS);
    this.saving = true;
    const { index, plan } = current;
    const version = index.version;
    const started = Date.now();
    try {
      const image = await index.image();
      const written =
        image !== null &&
        (await writeSnapshot(snapshotFile(this.folder, this.tenantId), this.tenantId, {
          image,
          plan,
          sources: [...this.loaded.values()],
          unchanged: () => this.current()?.index === index && index.version === version,
        }));
      if (written)
        this.log.info({ tenantId: this.tenantId, ms: Date.now() - started }, 'directory index snapshot written');
      else this.saveSoon(SNAPSHOT_DELAY_MS);
    } finally {
      this.saving = false;
    }
  }
}
