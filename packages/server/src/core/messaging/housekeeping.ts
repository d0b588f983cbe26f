import type { Feature } from '../feature.js';

/** Longest pause between two rounds; shorter when `unsentHours` is short. */
const MAX_INTERVAL_MS = 15 * 60_000;
const MIN_INTERVAL_MS = 1000;
/** How often the attachments folder is searched for files without a row (it lists every file). */
const SWEEP_INTERVAL_MS = 6 * 3_600_000;

/**
 * Deletes uploads never sent with a message once `messaging.attachments.unsentHours` have
 * passed: file and record, on one node of the cluster at a time. Rounds run at a quarter of that
 * time (between 1 s and 15 min), so an upload outlives its time by at most a round. Every few
 * hours it also deletes files whose row is gone (a crash between the two).
 */
export const attachmentHousekeeping: Feature = {
  name: 'attachment-housekeeping',
  setup: (ctx) => {
    const attachments = ctx.core.messaging.attachments;
    const unsentMs = attachments.unsentMs;
    const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, unsentMs / 4));
    ctx.every(
      interval,
      async () => {
        const removed = await attachments.purgeUnsent();
        if (removed > 0) ctx.log.info({ removed }, 'unsent uploads deleted');
      },
      { lease: 'attachment-housekeeping' },
    );
    ctx.every(
      SWEEP_INTERVAL_MS,
      async () => {
        const removed = await attachments.sweepOrphans();
        if (removed > 0) ctx.log.warn({ removed }, 'attachment files without a record deleted');
      },
      { lease: 'attachment-sweep' },
    );
  },
};
