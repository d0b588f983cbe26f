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
import { type OpenChunks, type Piece, streamCsv, streamVcard } from './stream.js';
import { parseVcard } from './vcard.js';

type Pieces = AsyncGenerator<Piece & { total?: number }, number>;

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
  /**
   * Opens the file as a stream (again at each call): a sync then reads it piece by piece, with no
   * size limit unless `maxBytes` is set (the contacts are bounded by `directory.limits.maxContacts`).
   */
  open?: OpenChunks | undefined;
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
    this.skippedRows = [];
    this.rows = 0;
    const { format, pieces } = this.options.open ? await this.stream(ctx.signal) : await this.whole(ctx.signal);
    const size = Math.max(1, this.options.batchSize ?? 1000);
    let done = 0;
    let step = await pieces.next();
    for (; !step.done; step = await pieces.next()) {
      for (const e of step.value.errors) {
        this.skippedRows.push(e);
        this.options.onRowError?.(e.line, e.reason);
      }
      const { contacts, total } = step.value;
      if (done === 0 && total !== undefined) ctx.progress(0, total);
      for (let i = 0; i < contacts.length; i += size) {
        ctx.signal.throwIfAborted();
        const batch = contacts.slice(i, i + size);
        yield batch;
        done += batch.length;
        ctx.progress(done, total ?? null);
      }
    }
    this.rows = step.value;
    const errors = this.skippedRows;
    // Info, not a warning: the rows are in the sync report (and the API's and CLI's answers).
    if (errors.length > 0) {
      ctx.log.info(
        { format, rows: this.rows, skipped: errors.length, first: errors.slice(0, 5) },
        'directory file: rows skipped',
      );
    }
    // A file whose rows are all bad fails rather than syncing "no contacts" (which deletes them all).
    if (this.rows > 0 && done === 0) {
      const e = errors[0];
      throw new Error(
        `none of the ${this.rows} ${format === 'csv' ? 'rows' : 'cards'} of the file could be read` +
          (e ? ` (line ${e.line}: ${e.reason})` : ''),
      );
    }
    return { full: true, cursor: null };
  }

  /** The whole file parsed at once: one piece that knows the total. */
  private async whole(signal: AbortSignal): Promise<{ format: FileFormat; pieces: Pieces }> {
    const { buf, format } = await this.load(signal);
    const result = this.parse(buf, format);
    async function* one(): Pieces {
      yield { ...result, total: result.contacts.length };
      return result.rows;
    }
    return { format, pieces: one() };
  }

  /** The file read as a stream, piece by piece (its format from its first bytes). */
  private async stream(signal: AbortSignal): Promise<{ format: FileFormat; pieces: Pieces }> {
    const open = this.options.open as OpenChunks;
    let format = this.options.format;
    if (!format) {
      format = 'csv';
      for await (const chunk of open()) {
        format = detectFormat(chunk);
        break;
      }
    }
    const options = { ...this.options, signal };
    return { format, pieces: format === 'vcard' ? streamVcard(open, options) : streamCsv(open, options) };
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
