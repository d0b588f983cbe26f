/**
 * The file connector: a CSV or vCard phone book that an admin uploaded (or that sits on a share),
 * read whole on every sync. A file has no change log, so each sync is full (`full: true`): what is
 * no longer in the file is gone. Ids come from an id column / UID, else from a hash of each
 * contact's content (see `contentId`), so re-importing an unchanged file changes nothing.
 *
 * Bad rows or cards do not fail a sync: they are skipped, logged (a count and the first few), kept
 * in `skippedRows` after the sync (what the directory service puts in the sync report, and the
 * import route answers) and passed one by one to `onRowError` when given (to stream them
 * somewhere while the sync runs). What does fail it (throws): an unreadable or too large
 * file, a CSV without a usable header, and a file whose rows are all bad (rather than a full sync
 * of nothing, which would delete every contact of the source).
 */
import { z } from 'zod';
import type { DirectorySource, SourceContact, SyncContext, SyncOutcome } from '../source.js';
import { checkSize, DEFAULT_MAX_BYTES, type ParseError, type ParseResult, sniffBom } from './common.js';
import { parseCsv, readCsvHeader } from './csv.js';
import { CSV_FIELDS, type CsvField, type CsvHeaderInfo, type CsvOptions } from './csv-columns.js';
import { parseVcard } from './vcard.js';

export type FileFormat = 'csv' | 'vcard';

const header = z.string().trim().min(1).max(200);

/**
 * The stored settings of a file source (all optional: a plain Outlook, Google or vCard export
 * needs none). Where the file comes from (an upload, a path) is not part of it.
 */
export const FileSourceConfigSchema = z.strictObject({
  format: z.enum(['csv', 'vcard']).optional().describe('Default: detected (BEGIN:VCARD at the start, else CSV)'),
  delimiter: z.enum([',', ';', '\t', '|']).optional().describe('CSV; default: detected from the header line'),
  encoding: z
    .enum(['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le'])
    .optional()
    .describe('CSV; default: a BOM, else UTF-8 if valid, else windows-1252'),
  mapping: z
    .strictObject(
      Object.fromEntries(
        CSV_FIELDS.map((f) => [f, z.union([header, z.array(header).min(1), z.null()]).optional()]),
      ) as {
        [K in CsvField]: z.ZodOptional<z.ZodUnion<[typeof header, z.ZodArray<typeof header>, z.ZodNull]>>;
      },
    )
    .optional()
    .describe('CSV: header names per field, over the recognized ones; null turns a field off'),
  idColumn: header.optional().describe('CSV: the column with a stable id (else a hash of each contact)'),
  maxBytes: z.number().int().min(1).optional().describe('Default 50 MB'),
});
export type FileSourceConfig = z.output<typeof FileSourceConfigSchema>;

/** Validates the settings; throws an Error naming every wrong field. */
export function parseFileSourceConfig(raw: unknown): FileSourceConfig {
  const parsed = FileSourceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

export interface FileSourceOptions extends CsvOptions {
  /** Reads the stored file (whole). */
  read: (signal?: AbortSignal) => Promise<Buffer>;
  /** Default: `detectFormat` on the content. */
  format?: FileFormat;
  /** Called for each skipped row or card, in file order, during a sync. */
  onRowError?: (line: number, reason: string) => void;
  /** Contacts per yielded batch; default 1000. */
  batchSize?: number;
}

/** What `test()` found, for an admin's "test connection" dialog. */
export type FileTestResult = { format: 'csv'; header: CsvHeaderInfo } | { format: 'vcard'; cards: number };

/** 'vcard' when the content starts (after a BOM and white space) with BEGIN:VCARD, else 'csv'. */
export function detectFormat(buf: Uint8Array): FileFormat {
  const bom = sniffBom(buf);
  const head = buf.subarray(bom?.length ?? 0, 1024 + (bom?.length ?? 0));
  const text =
    bom?.encoding === 'utf-16le' || bom?.encoding === 'utf-16be'
      ? new TextDecoder(bom.encoding).decode(head)
      : Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  return /^\s*BEGIN:VCARD/i.test(text) ? 'vcard' : 'csv';
}

export class FileSource implements DirectorySource {
  /** The rows/cards the last sync skipped, in file order (empty before the first sync). */
  skippedRows: ParseError[] = [];
  /** Rows (CSV) or cards (vCard) the last sync saw, the skipped ones included. */
  rows = 0;

  constructor(private readonly options: FileSourceOptions) {}

  private async load(signal?: AbortSignal): Promise<{ buf: Buffer; format: FileFormat }> {
    const buf = await this.options.read(signal);
    signal?.throwIfAborted();
    checkSize(buf.length, this.options.maxBytes ?? DEFAULT_MAX_BYTES);
    return { buf, format: this.options.format ?? detectFormat(buf) };
  }

  private parse(buf: Buffer, format: FileFormat): ParseResult {
    return format === 'vcard' ? parseVcard(buf, { maxBytes: this.options.maxBytes }) : parseCsv(buf, this.options);
  }

  async *sync(ctx: SyncContext): AsyncGenerator<SourceContact[], SyncOutcome> {
    const { buf, format } = await this.load(ctx.signal);
    const result = this.parse(buf, format);
    this.skippedRows = result.errors;
    this.rows = result.rows;
    for (const e of result.errors) this.options.onRowError?.(e.line, e.reason);
    // Info, not a warning: the rows are in the sync report (and the API's and CLI's answers).
    if (result.errors.length > 0) {
      ctx.log.info(
        { format, rows: result.rows, skipped: result.errors.length, first: result.errors.slice(0, 5) },
        'directory file: rows skipped',
      );
    }
    if (result.rows > 0 && result.contacts.length === 0) {
      const e = result.errors[0];
      throw new Error(
        `none of the ${result.rows} ${format === 'csv' ? 'rows' : 'cards'} of the file could be read` +
          (e ? ` (line ${e.line}: ${e.reason})` : ''),
      );
    }
    const total = result.contacts.length;
    const size = Math.max(1, this.options.batchSize ?? 1000);
    ctx.progress(0, total);
    for (let done = 0; done < total; ) {
      ctx.signal.throwIfAborted();
      const batch = result.contacts.slice(done, done + size);
      yield batch;
      done += batch.length;
      ctx.progress(done, total);
    }
    return { full: true, cursor: null };
  }

  /** Reads the file and checks its header (CSV) or that it has cards (vCard); throws with the reason. */
  async test(signal?: AbortSignal): Promise<void> {
    await this.inspect(signal);
  }

  /** `test()` with what it found: the CSV's encoding, delimiter and column mapping, or the number of cards. */
  async inspect(signal?: AbortSignal): Promise<FileTestResult> {
    const { buf, format } = await this.load(signal);
    if (format === 'csv') return { format, header: readCsvHeader(buf, this.options) };
    const result = parseVcard(buf, { maxBytes: this.options.maxBytes });
    if (result.rows === 0) throw new Error('the file has no BEGIN:VCARD');
    return { format, cards: result.rows };
  }
}
