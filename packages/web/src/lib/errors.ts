import type { MessageKey } from '../i18n/en';
import { ParleyApiError } from './api';

/**
 * What went wrong, for a person: the server's own reason (per field for validation errors, e.g.
 * "number: not a phone number"), or a note that the server could not be reached.
 */
export function errorText(
  err: unknown,
  t: (key: MessageKey, vars?: Record<string, string | number>) => string,
): string {
  if (err instanceof ParleyApiError) {
    if (err.details && err.details.length > 0) {
      return err.details
        .map((d) => (d.path && !d.message.startsWith(`${d.path}:`) ? `${d.path}: ${d.message}` : d.message))
        .join('; ');
    }
    return err.message;
  }
  if (err instanceof TypeError) return t('error.network');
  return t('error.generic', { message: (err as Error)?.message ?? String(err) });
}
