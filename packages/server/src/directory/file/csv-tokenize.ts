// The CSV tokenizer: records and their physical line numbers from the decoded text, bad records
// reported and skipped (the rules are in csv.ts's module comment), and the delimiter detection.
import type { CsvDelimiter } from './csv-columns.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
/** Longest physical line (or record) accepted, in characters. */
export const MAX_LINE = 64 * 1024;

export interface Sink {
  /** Returns false to stop. */
  record(fields: string[], line: number): boolean | undefined;
  error(line: number, reason: string): boolean | undefined;
}

/** Start of the physical line after the one containing `pos`. */
export function nextLineStart(text: string, pos: number): number {
  const n = text.length;
  for (let p = pos; p < n; p++) {
    const c = text.charCodeAt(p);
    if (c === LF) return p + 1;
    if (c === CR) return text.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
  }
  return n;
}

export function isBlank(text: string, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== LF && c !== CR) return false;
  }
  return true;
}

/**
 * Text a record may need beyond its start: past this the tokenizer has ended it or found it too
 * long, so a record starting further than this from the end of a piece of a stream ends inside it.
 */
const MARGIN = MAX_LINE + 4;

/**
 * Where `tokenize` stopped in a piece of a stream: the next record starts at `pos` (physical line
 * `line`); with `skipLine` the record there was bad and its line runs on into the next piece, up to
 * and including its line break (`afterCr`: the piece ended with a CR, an LF that follows is part of it).
 */
export interface TokenizeStop {
  pos: number;
  line: number;
  skipLine: boolean;
  afterCr: boolean;
}

/**
 * Splits `text` from `pos` (at physical line `line`) into records; see the module comment for the
 * rules. With `more` (a piece of a stream, more text follows) it stops before a record that could
 * run past the end and says where; the caller prepends that rest to the next piece.
 */
export function tokenize(
  text: string,
  pos: number,
  line: number,
  delimiter: string,
  sink: Sink,
  more = false,
): TokenizeStop | undefined {
  const d = delimiter.charCodeAt(0);
  const n = text.length;
  while (pos < n) {
    if (more && n - pos <= MARGIN) return { pos, line, skipLine: false, afterCr: false };
    const recPos = pos;
    const recLine = line;
    const fields: string[] = [];
    let error: string | null = null;
    let spanned = false;
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let p = pos + 1;
        let seg = p;
        let value = '';
        for (;;) {
          if (p >= n) {
            error = 'quote not closed';
            break;
          }
          if (p - recPos > MAX_LINE) {
            error = spanned ? 'record longer than 64 KiB (is a quote not closed?)' : 'line longer than 64 KiB';
            break;
          }
          const c = text.charCodeAt(p);
          if (c === QUOTE) {
            if (text.charCodeAt(p + 1) === QUOTE) {
              value += text.slice(seg, p + 1);
              p += 2;
              seg = p;
              continue;
            }
            value += text.slice(seg, p);
            p++;
            break;
          }
          if (c === LF || c === CR) {
            if (c === CR && text.charCodeAt(p + 1) === LF) p++;
            line++;
            spanned = true;
          }
          p++;
        }
        if (error !== null) break;
        fields.push(value);
        pos = p;
        if (pos >= n) break;
        const c = text.charCodeAt(pos);
        if (c === d) {
          pos++;
          continue;
        }
        if (c === LF || c === CR) {
          pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
          line++;
          break;
        }
        // `"abc"def`: on one line a stray character; after a quoted line break, far more likely a
        // quote that was never closed and ran into a later quote.
        error = spanned ? 'quote not closed' : 'text after closing quote';
        break;
      }
      let p = pos;
      while (p < n) {
        const c = text.charCodeAt(p);
        if (c === d || c === LF || c === CR) break;
        p++;
      }
      if (p - recPos > MAX_LINE) {
        error = spanned ? 'record longer than 64 KiB (is a quote not closed?)' : 'line longer than 64 KiB';
        break;
      }
      fields.push(text.slice(pos, p));
      pos = p;
      if (p >= n) break;
      const c = text.charCodeAt(p);
      if (c === d) {
        pos++;
        continue;
      }
      pos += c === CR && text.charCodeAt(p + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (error !== null) {
      if (sink.error(recLine, error) === false) return undefined;
      pos = nextLineStart(text, recPos);
      line = recLine + 1;
      const last = text.charCodeAt(pos - 1);
      if (more && pos === n && (last === CR || last !== LF)) {
        return { pos, line, skipLine: last !== CR, afterCr: last === CR };
      }
      continue;
    }
    if (fields.length === 1 && isBlank(text, recPos, pos)) continue;
    if (sink.record(fields, recLine) === false) return undefined;
  }
  return more ? { pos, line, skipLine: false, afterCr: false } : undefined;
}

/** The delimiter that occurs most often outside quotes in the first line (ties: `;` `,` tab `|`); `,` if none. */
export function detectDelimiter(firstLine: string): CsvDelimiter {
  const candidates: CsvDelimiter[] = [';', ',', '\t', '|'];
  const counts = [0, 0, 0, 0];
  let quoted = false;
  for (let i = 0; i < firstLine.length; i++) {
    const ch = firstLine[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      const k = candidates.indexOf(ch as CsvDelimiter);
      if (k >= 0) counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  let best = 1; // ','
  for (let k = 0; k < 4; k++) if ((counts[k] ?? 0) > (counts[best] ?? 0)) best = k;
  return candidates[best] ?? ',';
}
