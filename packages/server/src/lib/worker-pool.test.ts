import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import type { TestTask } from '../../test/fixtures/workers/task.js';
import { WorkerPool, WorkerPoolBusyError, WorkerTaskError, WorkerTimeoutError } from './worker-pool.js';

const module = new URL('../../test/fixtures/workers/task.ts', import.meta.url);

describe('WorkerPool', () => {
  const pool = new WorkerPool<TestTask, number>({ module, size: 2, timeoutMs: 1500, maxQueue: 3, memoryMb: 64 });
  after(() => pool.close());

  test('runs tasks in worker threads and keeps an error its name', async () => {
    assert.deepEqual(await Promise.all([1, 2, 3].map((n) => pool.run({ double: n }))), [2, 4, 6]);
    assert.ok(pool.workers <= 2);
    await assert.rejects(pool.run({ fail: 'no' }), (err: Error) => {
      assert.ok(err instanceof WorkerTaskError);
      assert.equal(err.errorName, 'RangeError');
      assert.equal(err.message, 'no');
      return true;
    });
  });

  test('a task past the time limit is terminated with its worker, which is replaced; the event loop stays free', async () => {
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const spinning = pool.run({ spin: true });
    // The other worker still serves while one spins.
    assert.equal(await pool.run({ double: 21 }), 42);
    await assert.rejects(spinning, WorkerTimeoutError);
    delay.disable();
    assert.ok(Date.now() - started < 30_000);
    assert.ok(delay.max < 1e9, `event loop blocked for ${delay.max / 1e6} ms`);
    assert.equal(await pool.run({ double: 5 }), 10);
  });

  test('a worker that exceeds its heap limit dies alone and is replaced', async () => {
    await assert.rejects(pool.run({ hog: true }), (err: NodeJS.ErrnoException) => {
      assert.ok(err.code === 'ERR_WORKER_OUT_OF_MEMORY' || err instanceof WorkerTimeoutError, String(err));
      return true;
    });
    assert.equal(await pool.run({ double: 8 }), 16);
  });

  test('the queue is bounded', async () => {
    const single = new WorkerPool<TestTask, number>({ module, size: 1, timeoutMs: 1000, maxQueue: 2, memoryMb: 64 });
    try {
      assert.equal(await single.run({ double: 0 }), 0);
      const busy = single.run({ spin: true });
      const queued = [1, 2].map((n) => single.run({ double: n }));
      await assert.rejects(single.run({ double: 3 }), WorkerPoolBusyError);
      await assert.rejects(busy, WorkerTimeoutError);
      assert.deepEqual(await Promise.all(queued), [2, 4]);
    } finally {
      await single.close();
    }
  });
});
