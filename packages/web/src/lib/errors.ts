import { type ErrorCode, errorMessages } from '@parley/api';
import type { MessageKey } from '../i18n/en';
import { ParleyApiError } from './api';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/**
 * The text key of an error code. Every code of `@parley/api` must have a text in the language
 * files: a code added without one fails the typecheck here.
 */
export const errorKey = (code: ErrorCode): MessageKey => `error.code.${code}`;

const isKnown = (code: string): code is ErrorCode => Object.hasOwn(errorMessages, code);

/** The text of an API error code, as a key with its values; a code this app does not know yet (a newer server) gets a general one. */
export const codeText = (code: string): { key: MessageKey; vars?: Record<string, string> } =>
  isKnown(code) ? { key: errorKey(code) } : { key: 'error.unknown', vars: { code } };

/**
 * What went wrong, for a person, in their language: the text of the API's error code (the
 * server's English message is for logs and API users), with the fields at fault for validation
 * errors (e.g. "number: not a phone number"), or a note that the server could not be reached.
 */
export function errorText(err: unknown, t: Translate): string {
  if (err instanceof ParleyApiError) {
    const { key, vars } = codeText(err.code);
    const text = t(key, vars);
    if (err.code === 'PARLEY_ERR_VALIDATION' && err.details && err.details.length > 0) {
      const details = err.details
        .map((d) => (d.path && !d.message.startsWith(`${d.path}:`) ? `${d.path}: ${d.message}` : d.message))
        .join('; ');
      return t('error.details', { text, details });
    }
    return text;
  }
  if (err instanceof TypeError) return t('error.network');
  return t('error.generic', { message: (err as Error)?.message ?? String(err) });
}
