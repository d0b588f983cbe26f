// Reading a phone-book file as a stream of chunks (CSV and vCard), so that a file of any size is
// imported with only a piece of it in memory: the contacts go to the store batch by batch. What
// stays in memory for the whole file is the ids seen (duplicates are found over the whole file) and
// the skipped rows.
import { checkSize, decodeWindows1252, type ParseResult, sniffBom, type TextEncodingName } from './common.js';
import { prepareText, readHeader, rowReader } from './csv.js';
import type { CsvOptions } from './csv-columns.js';
import { MAX_LINE, tokenize } from './csv-tokenize.js';
import { parseVcard } from './vcard.js';

/** Opens the file anew (the CSV reader reads it twice when it must detect the encoding). */
export type OpenChunks = () => AsyncIterable<Uint8Array>;

/** A piece of the file's contacts and skipped rows, in file order. */
export type Piece = Omit<ParseResult, 'rows'>;

/** Text read ahead of the tokenizer before the header is looked for. */
const HEAD = 2 * MAX_LINE + 8;
/** Longest vCard accepted when streaming (the whole card is held until its END:VCARD). */
const MAX_CARD = 4 * 1024 * 1024;

/** Counts the bytes read and refuses more than `maxBytes` (when set). */
async function* limited(chunks: AsyncIterable<Uint8Array>, maxBytes: number | undefined) {
  let read = 0;
  for await (const chunk of chunks) {
    read += chunk.length;
    if (maxBytes !== undefined) checkSize(read, maxBytes);
    yield chunk;
  }
}

/** A BOM decides; else UTF-8 when the whole file is valid UTF-8 (a pass over it), else windows-1252. */
async function streamEncoding(open: OpenChunks, configured?: TextEncodingName): Promise<TextEncodingName> {
  for await (const chunk of open()) {
    const bom = sniffBom(chunk);
    if (bom) return bom.encoding;
    break;
  }
  if (configured) return configured;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of open()) utf8.decode(chunk, { stream: true });
    utf8.decode();
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/** The file's text, piece by piece (a BOM dropped). */
async function* decoded(chunks: AsyncIterable<Uint8Array>, encoding: TextEncodingName): AsyncGenerator<string> {
  if (encoding === 'windows-1252' || encoding === 'iso-8859-1') {
    let first = true;
    for await (const chunk of chunks) {
      const bom = first && sniffBom(chunk)?.encoding === 'utf-8' ? 3 : 0;
      first = false;
      yield decodeWindows1252(chunk.subarray(bom));
    }
    return;
  }
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) yield decoder.decode(chunk, { stream: true });
  yield decoder.decode();
}

/** Drops the rest of a bad line from `text`: up to its line break (`afterCr`: only an LF that completes a CR). */
function dropRest(text: string, state: { skipLine: boolean; afterCr: boolean }): string {
  if (state.afterCr) {
    state.afterCr = false;
    return text.startsWith('\n') ? text.slice(1) : text;
  }
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  const at = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
  if (at < 0) return '';
  state.skipLine = false;
  if (text[at] === '\r' && at === text.length - 1) state.afterCr = true;
  return text.slice(at + (text[at] === '\r' && text[at + 1] === '\n' ? 2 : 1));
}

/**
 * A CSV phone book read as a stream, with the same rules and results as `parseCsv` (same rows,
 * same line numbers), yielded piece by piece; returns the number of rows.
 */
export async function* streamCsv(
  open: OpenChunks,
  options: CsvOptions & { signal?: AbortSignal },
): AsyncGenerator<Piece, number> {
  const encoding = await streamEncoding(open, options.encoding);
  const pieces = decoded(limited(open(), options.maxBytes), encoding);
  let text = '';
  let ended = false;
  const pull = async () => {
    const next = await pieces.next();
    if (next.done) ended = true;
    else text += next.value;
  };
  while (!ended && text.length < HEAD) await pull();
  const p = prepareText(text, encoding, options);
  const header = readHeader(p);
  const reader = rowReader(header.headers, options);
  let pos = header.pos;
  let line = header.line;
  const skip = { skipLine: false, afterCr: false };
  for (;;) {
    options.signal?.throwIfAborted();
    const stop = tokenize(text, pos, line, p.delimiter, reader.sink, !ended);
    yield { contacts: reader.contacts.splice(0), errors: reader.errors.splice(0) };
    if (!stop) return reader.rows();
    text = text.slice(stop.pos);
    pos = 0;
    line = stop.line;
    Object.assign(skip, { skipLine: stop.skipLine, afterCr: stop.afterCr });
    while (!ended && text.length < HEAD) {
      const before = text.length;
      await pull();
      if (skip.skipLine || skip.afterCr) text = text.slice(0, before) + dropRest(text.slice(before), skip);
    }
  }
}

/** The end of the last complete card in `s` (after its END:VCARD line's line break), or -1. */
function lastCardEnd(s: string): number {
  let end = -1;
  for (const m of s.matchAll(/^END:VCARD[^\r\n]*(\r\n|\n|\r(?=[\s\S]))/gim)) end = m.index + m[0].length;
  return end;
}

/**
 * A vCard file read as a stream: cut after each run of complete cards, each run parsed by
 * `parseVcard` (line numbers and duplicates over the whole file); returns the number of cards.
 * A UTF-16 file (rare for vCard) is read whole, up to `maxBytes`.
 */
export async function* streamVcard(
  open: OpenChunks,
  options: { maxBytes?: number | undefined; signal?: AbortSignal },
): AsyncGenerator<Piece, number> {
  const seen = new Map<string, number>();
  let pending = Buffer.alloc(0);
  let line = 0;
  let rows = 0;
  let first = true;
  const parse = (bytes: Buffer): Piece => {
    const result = parseVcard(bytes, { maxBytes: Number.POSITIVE_INFINITY, seen, firstLine: line + 1 });
    rows += result.rows;
    line += bytes.toString('latin1').split(/\r\n|\r|\n/).length - 1;
    return { contacts: result.contacts, errors: result.errors };
  };
  for await (const chunk of limited(open(), options.maxBytes)) {
    options.signal?.throwIfAborted();
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    if (first && (sniffBom(pending)?.encoding ?? 'utf-8') !== 'utf-8') continue;
    first = false;
    const end = lastCardEnd(pending.toString('latin1'));
    if (end < 0) {
      if (pending.length > MAX_CARD) throw new Error(`a card runs over ${MAX_CARD / 1024 / 1024} MB (no END:VCARD?)`);
      continue;
    }
    yield parse(pending.subarray(0, end));
    pending = pending.subarray(end);
  }
  if (first) checkSize(pending.length, options.maxBytes);
  if (pending.length > 0) yield parse(pending);
  return rows;
}
