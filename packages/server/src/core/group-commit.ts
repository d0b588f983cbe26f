import { sql } from 'kysely';
import { type Repositories, repositories, type Store } from './store.js';

interface Work {
  fn: (repos: Repositories) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** At most this many pieces of work share a transaction. */
const MAX_BATCH = 200;

/**
 * Transactions that share one commit. On SQLite (one connection, one writer, the commit the
 * largest cost of a small write) work waits for the event loop's check phase (`setImmediate`), so
 * that what every connection ready in the same turn of the loop asked goes into one transaction,
 * as does work that arrives while a transaction runs: each in a savepoint of its own, so each
 * caller gets its own result or its own error, and work that fails is rolled back alone. Results
 * are handed out after the commit. (A transaction on better-sqlite3 runs in microtasks only: work
 * from the next connection's data would otherwise never find one running.)
 * On PostgreSQL each piece of work keeps its own transaction (a pool of connections commits in
 * parallel, and one transaction holding the row locks of many would invite deadlocks).
 */
export class GroupCommit {
  private queue: Work[] = [];
  private running = false;

  constructor(private readonly store: Store) {}

  run<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    if (this.store.engine !== 'sqlite') return this.store.transaction(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.running = false;
    }
  }

  private async commit(batch: Work[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await this.store.transaction(only.fn).then(only.resolve, only.reject);
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.store.db.transaction().execute(async (trx) => {
        const repos = repositories(trx);
        for (const w of batch) {
          await sql`savepoint batched`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await w.fn(repos) });
          } catch (err) {
            await sql`rollback to batched`.execute(trx);
            outcomes.push({ ok: false, value: err });
          }
          await sql`release batched`.execute(trx);
        }
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i] as { ok: boolean; value: unknown };
      if (o.ok) w.resolve(o.value);
      else w.reject(o.value);
    });
  }
}
