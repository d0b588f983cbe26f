import { type ErrorCode, errorMessages } from '@parley/api';
import { isUniqueViolation } from '../platform/store/errors.js';

/**
 * A failure the caller can act on, with a stable `PARLEY_ERR_*` code. It knows no protocol: each
 * adapter maps the code onto its own (HTTP status, XMPP stanza error, SIP response, CLI message).
 */
export class ParleyError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: { path: string; message: string }[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message ?? errorMessages[code]);
    this.name = 'ParleyError';
  }
}

/**
 * An error thrown anywhere below an adapter, in the core's terms: a ParleyError as it is, a
 * unique-key violation no service caught as a conflict; anything else is not the caller's fault.
 */
export function asParleyError(err: unknown): ParleyError | undefined {
  if (err instanceof ParleyError) return err;
  if (isUniqueViolation(err)) return new ParleyError('PARLEY_ERR_CONFLICT');
  return undefined;
}

export const notFound = (what: string) => new ParleyError('PARLEY_ERR_NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new ParleyError('PARLEY_ERR_CONFLICT', message);
export const forbidden = (message?: string) => new ParleyError('PARLEY_ERR_FORBIDDEN', message);
export const invalid = (path: string, message: string) =>
  new ParleyError('PARLEY_ERR_VALIDATION', `${path}: ${message}`, [{ path, message }]);
