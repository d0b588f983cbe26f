// Parsing and expanding calendar data is CPU work driven by untrusted input (a 27 KB body of
// FREQ=SECONDLY rules once took a minute), so it runs in a pool of worker threads: bounded by a
// budget of steps and instances inside, and by a time limit from outside that terminates the worker.
import {
  WorkerPool,
  WorkerPoolBusyError,
  type WorkerPoolOptions,
  WorkerTaskError,
  WorkerTimeoutError,
} from '../../lib/worker-pool.js';
import type { CalendarBlock } from '../presence/model.js';
import { CalendarFormatError, CalendarTooComplexError, expandCalendars, parseIcs } from './ics.js';

/** One calendar's expansion: everything the worker needs, as plain data. */
export interface ExpansionTask {
  /** Bodies just fetched: one that does not parse fails the task (it must not replace good data). */
  strict: string[];
  /** Bodies stored earlier: one that does not parse is skipped. */
  lenient: string[];
  from: number;
  to: number;
  timeZone: string;
  maxBytes: number;
  maxInstances: number;
  maxTotalSteps: number;
}

export interface ExpansionResult {
  blocks: CalendarBlock[];
  /** Why objects or events were skipped (for debug logs), the first few only. */
  skipped: string[];
}

const maxSkipNotes = 20;

/** Parses and expands one calendar (runs inside the worker; callable directly in tests). */
export function expandTask(t: ExpansionTask): ExpansionResult {
  const skipped: string[] = [];
  const note = (text: string) => {
    if (skipped.length < maxSkipNotes) skipped.push(text);
  };
  const calendars = t.strict.map((text) => parseIcs(text, t.maxBytes));
  for (const text of t.lenient) {
    try {
      calendars.push(parseIcs(text, t.maxBytes));
    } catch (err) {
      note(`stored calendar object skipped: ${(err as Error).message}`);
    }
  }
  const blocks = expandCalendars(calendars, {
    from: t.from,
    to: t.to,
    timeZone: t.timeZone,
    maxInstances: t.maxInstances,
    maxTotalSteps: t.maxTotalSteps,
    onSkip: (uid, err) => note(`event ${uid} skipped: ${err.message}`),
  });
  return { blocks, skipped };
}

export interface ExpanderOptions {
  workers: number;
  expandTimeoutSeconds: number;
  maxQueuedExpansions: number;
  workerMemoryMegabytes: number;
}

/** The main thread's side: runs ExpansionTasks in the pool and turns its failures into calendar errors. */
export class CalendarExpander {
  private readonly pool: WorkerPool<ExpansionTask, ExpansionResult>;

  constructor(private readonly options: ExpanderOptions) {
    const pool: WorkerPoolOptions = {
      module: new URL('./expand-worker.ts', import.meta.url),
      size: options.workers,
      timeoutMs: options.expandTimeoutSeconds * 1000,
      maxQueue: options.maxQueuedExpansions,
      memoryMb: options.workerMemoryMegabytes,
    };
    this.pool = new WorkerPool(pool);
  }

  /**
   * Rejects with CalendarFormatError (a strict body is broken), CalendarTooComplexError (budget,
   * time or memory exceeded) or a plain Error when the queue is full (a transient condition).
   */
  async expand(task: ExpansionTask): Promise<ExpansionResult> {
    try {
      return await this.pool.run(task);
    } catch (err) {
      throw this.translate(err as Error);
    }
  }

  private translate(err: Error): Error {
    if (err instanceof WorkerTaskError) {
      if (err.errorName === 'CalendarFormatError') return new CalendarFormatError(err.message);
      if (err.errorName === 'CalendarTooComplexError') return new CalendarTooComplexError(err.message);
      return new Error(`calendar expansion failed: ${err.message}`);
    }
    if (err instanceof WorkerTimeoutError) {
      return new CalendarTooComplexError(
        `calendar too complex: expansion took longer than ${this.options.expandTimeoutSeconds} s`,
      );
    }
    if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new CalendarTooComplexError(
        `calendar too complex: expansion needed more than ${this.options.workerMemoryMegabytes} MB`,
      );
    }
    if (err instanceof WorkerPoolBusyError) {
      return new Error('too many calendars are waiting for expansion; trying again later');
    }
    return err;
  }

  /** Terminates the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
