// Writing CSV (RFC 4180) that spreadsheets open safely.

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"), tab and CR included. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: a value a spreadsheet would run as a formula gets a leading `'` (so `+4971112345` reads
 * `'+4971112345`); a cell with a comma, a double quote or a line break is quoted, its quotes doubled
 * (RFC 4180 §2.5–2.7).
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated (RFC 4180 §2.1). */
export const csvRow = (cells: readonly (string | number | boolean | null)[]): string =>
  `${cells.map(csvCell).join(',')}\r\n`;
