// CPU-heavy work on untrusted input (calendar expansion …) runs in worker threads so that it can
// never stall the event loop: a few long-lived workers, a bounded queue, and a time limit per task
// after which the worker is terminated (the only way to stop a synchronous loop) and replaced.
import { parentPort, Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** The task module (a file URL); it calls serveTasks() once. */
  module: URL;
  /** Workers at most. */
  size: number;
  /** Time limit of one task once a worker runs it. */
  timeoutMs: number;
  /** Tasks waiting for a worker at most; more are refused with WorkerPoolBusyError. */
  maxQueue: number;
  /** Heap limit of each worker; a worker beyond it dies and its task fails, not the server. */
  memoryMb: number;
}

/** A task that ran past the pool's time limit; its worker was terminated. */
export class WorkerTimeoutError extends Error {
  override name = 'WorkerTimeoutError';
}

/** The queue is full: the caller should try again later. */
export class WorkerPoolBusyError extends Error {
  override name = 'WorkerPoolBusyError';
}

/** An error the task threw inside the worker, with its class name kept. */
export class WorkerTaskError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

type Reply<O> = { ready: true } | { output: O } | { error: { name: string; message: string } };

interface Job<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Slot<I, O> {
  worker: Worker;
  ready: boolean;
  job?: Job<I, O> | undefined;
}

const entry = new URL('./worker-entry.mjs', import.meta.url);

/** A small pool of worker threads running one task module; tasks are served in arrival order. */
export class WorkerPool<I, O> {
  private readonly slots: Slot<I, O>[] = [];
  private readonly queue: Job<I, O>[] = [];
  private closed = false;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Runs one task; rejects with WorkerTimeoutError, WorkerPoolBusyError, WorkerTaskError or a worker crash. */
  run(input: I): Promise<O> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new WorkerPoolBusyError(`more than ${this.options.maxQueue} tasks are waiting`));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** Workers running now (for tests and diagnostics). */
  get workers(): number {
    return this.slots.length;
  }

  /** Refuses queued tasks and terminates every worker (a running task rejects). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('worker pool is closed'));
    await Promise.all([...this.slots].map((s) => this.discard(s, new Error('worker pool is closed'))));
  }

  private pump() {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift() as Job<I, O>;
      slot.job = job;
      job.timer = setTimeout(() => {
        void this.discard(slot, new WorkerTimeoutError(`took longer than ${this.options.timeoutMs / 1000} s`));
        this.pump();
      }, this.options.timeoutMs);
      slot.worker.postMessage(job.input);
    }
    const starting = this.slots.filter((s) => !s.ready).length;
    if (!this.closed && this.queue.length > starting && this.slots.length < this.options.size) {
      this.spawn();
      this.pump();
    }
  }

  private spawn() {
    const worker = new Worker(entry, {
      workerData: { module: this.options.module.href },
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    // Idle workers must not keep the process alive; a running task's timer does.
    worker.unref();
    const slot: Slot<I, O> = { worker, ready: false };
    this.slots.push(slot);
    worker.on('message', (reply: Reply<O>) => {
      if ('ready' in reply) slot.ready = true;
      else {
        const job = this.finish(slot);
        if ('error' in reply) job?.reject(new WorkerTaskError(reply.error.name, reply.error.message));
        else job?.resolve(reply.output);
      }
      this.pump();
    });
    worker.on('error', (err) => this.lost(slot, err));
    worker.on('exit', (code) => this.lost(slot, new Error(`worker stopped with exit code ${code}`)));
  }

  private finish(slot: Slot<I, O>): Job<I, O> | undefined {
    const job = slot.job;
    slot.job = undefined;
    if (job?.timer) clearTimeout(job.timer);
    return job;
  }

  /** A worker died by itself (uncaught error, heap limit): its task fails, a start failure fails the queue. */
  private lost(slot: Slot<I, O>, err: Error) {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    this.finish(slot)?.reject(err);
    // A worker that cannot even start would be respawned forever: fail what waits instead.
    if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(err);
    this.pump();
  }

  private async discard(slot: Slot<I, O>, err: Error) {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.finish(slot)?.reject(err);
    await slot.worker.terminate();
  }
}

/** Worker side: answers every task with `handler`'s result or its error (name and message). */
export function serveTasks<I, O>(handler: (input: I) => O): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks() runs in a worker thread only');
  port.on('message', (input: I) => {
    let reply: Reply<O>;
    try {
      reply = { output: handler(input) };
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      reply = { error: { name: e.name, message: e.message } };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies Reply<O>);
}
