import type { JournalFilterQuery } from '@parley/api';
import type { z } from 'zod';
import type { Services } from '../../../compose.js';
import type { JournalFilter } from '../../../core/journal/model.js';
import { journalEntryView } from '../../views/journal.js';
import type { Handlers } from '../types.js';

/** The core's journal filter from the list's or the export's query. */
export const journalFilterOf = (q: z.output<typeof JournalFilterQuery>): JournalFilter => ({
  ...(q.direction && { direction: q.direction }),
  ...(q.result && { result: q.result }),
  ...(q.unread !== undefined && { unread: q.unread }),
  ...(q.from && { from: Date.parse(q.from) }),
  ...(q.to && { to: Date.parse(q.to) }),
  ...(q.q && { q: q.q }),
});

/** The caller's own call journal. */
export const journalHandlers = (
  core: Services,
): Handlers<'journal.list' | 'journal.unread' | 'journal.update' | 'journal.read'> => ({
  'journal.list': async ({ principal: { user }, query }) => {
    const { entries, cursor } = await core.journal.list(user.tenantId, user.id, journalFilterOf(query), query);
    return {
      entries: entries.map(journalEntryView),
      cursor,
      unreadMissed: await core.journal.unreadMissed(user.tenantId, user.id),
    };
  },
  'journal.unread': async ({ principal: { user } }) => ({
    unreadMissed: await core.journal.unreadMissed(user.tenantId, user.id),
  }),
  'journal.update': async ({ principal: { user }, params, body }) => {
    const memo = body.memo === undefined ? undefined : body.memo?.trim() || null;
    const entry = await core.journal.update(user.tenantId, user.id, params.id, {
      ...(memo !== undefined && { memo }),
      ...(body.read !== undefined && { read: body.read }),
    });
    return journalEntryView(entry);
  },
  'journal.read': async ({ principal: { user } }) => {
    await core.journal.markAllRead(user.tenantId, user.id);
    return { unreadMissed: await core.journal.unreadMissed(user.tenantId, user.id) };
  },
});
