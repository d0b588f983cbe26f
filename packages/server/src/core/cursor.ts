import { invalid } from './errors.js';

/** An opaque position in a listing: the sort key values of its last row (JSON in base64url). */
export const encodeCursor = (values: readonly (string | number)[]): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');

/**
 * The key values of a cursor from `encodeCursor`, each of the type given; anything else is
 * PARLEY_ERR_VALIDATION at `query.cursor`.
 */
export function decodeCursor(cursor: string, types: readonly ('string' | 'number')[]): (string | number)[] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === types.length && value.every((v, i) => typeof v === types[i])) {
      return value;
    }
  } catch {
    // reported below
  }
  throw invalid('query.cursor', 'must be a cursor from an earlier answer');
}
