import * as j from '../journal.js';
import { defineRoutes } from './spec.js';

/** The caller's call journal. The CSV export: see `journalCsvPath`. */
export const journalRoutes = defineRoutes({
  'journal.list': {
    method: 'GET',
    path: '/api/v1/journal',
    summary: "The caller's call journal, newest first, filtered and paged",
    access: 'user',
    query: j.JournalQuery,
    status: 200,
    response: j.JournalList,
  },
  'journal.unread': {
    method: 'GET',
    path: '/api/v1/journal/unread',
    summary: "The caller's missed calls not yet read (the badge)",
    access: 'user',
    status: 200,
    response: j.JournalUnread,
  },
  'journal.update': {
    method: 'PATCH',
    path: '/api/v1/journal/:id',
    summary: 'Set the memo or the read flag of one of the caller’s entries',
    access: 'user',
    params: j.JournalParams,
    body: j.UpdateJournalRequest,
    status: 200,
    response: j.JournalEntry,
  },
  'journal.read': {
    method: 'POST',
    path: '/api/v1/journal/read',
    summary: "Mark all of the caller's entries read",
    access: 'user',
    status: 200,
    response: j.JournalUnread,
  },
});
