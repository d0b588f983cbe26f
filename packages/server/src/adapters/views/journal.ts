// The API form (`@parley/api`) of a journal entry, for the HTTP routes, the export and the event socket.
import type { JournalEntry as JournalEntryDto } from '@parley/api';
import type { JournalEntry } from '../../core/journal/model.js';
import { iso, isoOrNull } from './time.js';

export const journalEntryView = (e: JournalEntry): JournalEntryDto => ({
  id: e.id,
  callId: e.callId,
  direction: e.direction,
  line: e.line,
  remote: { ...e.remote },
  startedAt: iso(e.startedAt),
  answeredAt: isoOrNull(e.answeredAt),
  endedAt: iso(e.endedAt),
  duration: e.duration,
  result: e.result,
  by: e.by,
  memo: e.memo,
  read: e.read,
});
