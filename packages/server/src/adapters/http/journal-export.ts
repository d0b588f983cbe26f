import { Readable } from 'node:stream';
import { JournalFilterQuery, journalCsvPath } from '@parley/api';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Services } from '../../compose.js';
import type { JournalEntry } from '../../core/journal/model.js';
import { csvRow } from '../../lib/csv.js';
import { iso, isoOrNull } from '../views/time.js';
import { authenticateRequest, parsePart } from './request.js';
import { journalFilterOf } from './routes/journal.js';

const HEADER = [
  'started_at',
  'answered_at',
  'ended_at',
  'direction',
  'result',
  'line',
  'remote_number',
  'remote_uri',
  'remote_name',
  'remote_company',
  'remote_display',
  'duration_seconds',
  'by',
  'memo',
  'read',
];

const row = (e: JournalEntry) =>
  csvRow([
    iso(e.startedAt),
    isoOrNull(e.answeredAt),
    iso(e.endedAt),
    e.direction,
    e.result,
    e.line,
    e.remote.number,
    e.remote.uri,
    e.remote.name,
    e.remote.company,
    e.remote.display,
    e.duration,
    e.by,
    e.memo,
    e.read,
  ]);

/**
 * `GET /api/v1/journal.csv`: the caller's journal with the list's filters as a CSV file, streamed a
 * page at a time from the store. UTF-8 with a byte order mark (spreadsheets need it to read
 * umlauts), a header row, RFC 4180 quoting, formulas defused (`lib/csv.ts`).
 */
export function registerJournalExport(app: FastifyInstance, core: Services): void {
  app.get(journalCsvPath, async (req, reply) => {
    const { user } = await authenticateRequest(core, req);
    const query = parsePart(JournalFilterQuery, req.query, 'query') as z.output<typeof JournalFilterQuery>;
    const entries = core.journal.all(user.tenantId, user.id, journalFilterOf(query));
    async function* csv() {
      yield `\ufeff${csvRow(HEADER)}`;
      for await (const e of entries) yield row(e);
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header('content-disposition', 'attachment; filename="journal.csv"')
      .header('cache-control', 'no-store')
      .send(Readable.from(csv()));
  });
}
