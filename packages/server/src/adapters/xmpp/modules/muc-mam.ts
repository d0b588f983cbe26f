// XEP-0313 archive of a room: a MAM query (mam-query.ts) as a page of the group conversation's
// history in the core, which pages by the messages' sequence numbers.
import type { MessageDetails } from '../../../core/messaging/model.js';
import type { MamQuery } from './mam-query.js';

/** The core's history as a page source: a page by sequence bounds, and the sequence of an archive id. */
export interface Archive {
  history(q: {
    before?: number;
    after?: number;
    start?: number;
    end?: number;
    limit: number;
  }): Promise<{ messages: MessageDetails[]; hasMore: boolean }>;
  seqOf(id: string): Promise<number>;
}

/**
 * One page of the archive, oldest first: after an id (forwards), before one or the newest page
 * (backwards), or from the start; `complete` when no more lie in the direction of paging.
 * Deleted messages are left out of the results.
 */
export async function archivePage(
  archive: Archive,
  q: Pick<MamQuery, 'start' | 'end' | 'after' | 'before' | 'max'>,
): Promise<{ messages: MessageDetails[]; complete: boolean }> {
  const range = {
    ...(q.start !== undefined && { start: q.start }),
    ...(q.end !== undefined && { end: q.end }),
  };
  let page: { messages: MessageDetails[]; hasMore: boolean };
  if (q.before !== undefined) {
    const before = q.before === null ? {} : { before: await archive.seqOf(q.before) };
    page = await archive.history({ ...before, ...range, limit: q.max });
    page.messages.reverse();
  } else {
    const after = q.after === undefined ? 0 : await archive.seqOf(q.after);
    page = await archive.history({ after, ...range, limit: q.max });
  }
  return { messages: page.messages.filter((m) => m.deletedAt === null), complete: !page.hasMore };
}
