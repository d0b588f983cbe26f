import { type ErrorCode, errorMessages } from '@parley/api';
import { en, type MessageKey } from '../i18n/en';
import { ParleyApiError } from './api';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/**
 * The text key of an error code. Every code of `@parley/api` must have a text in the language
 * files: a code added without one fails the typecheck here.
 */
export const errorKey = (code: ErrorCode): MessageKey => `error.code.${code}`;

const isKnown = (code: string): code is ErrorCode => Object.hasOwn(errorMessages, code);
const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(en, key);

/** The text of an API error code, as a key with its values; a code this app does not know yet (a newer server) gets a general one. */
export const codeText = (code: string): { key: MessageKey; vars?: Record<string, string> } =>
  isKnown(code) ? { key: errorKey(code) } : { key: 'error.unknown', vars: { code } };

/**
 * The form field a validation detail is about: the last name of its path, without the request
 * part and list positions.
 * @example fieldOf('body.local') // 'local'
 * @example fieldOf('body.numbers.2') // 'numbers'
 */
export const fieldOf = (path: string): string =>
  path
    .split('.')
    .filter((p) => p !== '' && !/^\d+$/.test(p))
    .at(-1) ?? '';

/** Which field texts an error code has: `error.<kind>.<field>` in the language files. */
const fieldKinds: Partial<Record<ErrorCode, string>> = {
  PARLEY_ERR_VALIDATION: 'invalid',
  PARLEY_ERR_CONFLICT: 'conflict',
  PARLEY_ERR_INVALID_CREDENTIALS: 'credentials',
};

/** What an error says, for a form: the text of its code, and the client's own text per field it concerns. */
export interface FormErrors {
  summary: string;
  /** Field name → its text, in the user's language. */
  fields: Readonly<Record<string, string>>;
}

/**
 * The texts of an error for a form, in the user's language (the server's English message is for
 * logs and API users): the code's text, and per field at fault a text chosen by the code and the
 * field (`error.invalid.number`, `error.conflict.local` …). A validation error names its fields
 * (`details[].path`); for any other code the form says which field it concerns (`concerns`), e.g.
 * the user name for "exists already". A field without a text of its own is left to the code's.
 * Only where the detail is what another system said (a directory source's connection test) does
 * a text quote it (`{detail}`).
 */
export function formErrors(err: unknown, t: Translate, concerns?: string): FormErrors {
  if (!(err instanceof ParleyApiError)) return { summary: errorText(err, t), fields: {} };
  const { key, vars } = codeText(err.code);
  const kind = isKnown(err.code) ? fieldKinds[err.code] : undefined;
  const named =
    err.code === 'PARLEY_ERR_VALIDATION'
      ? (err.details ?? []).map((d) => ({ field: fieldOf(d.path), detail: d.message }))
      : concerns !== undefined
        ? [{ field: concerns, detail: '' }]
        : [];
  const fields: Record<string, string> = {};
  for (const { field, detail } of named) {
    const fieldKey = `error.${kind}.${field}`;
    if (kind && isMessageKey(fieldKey)) fields[field] = t(fieldKey, { detail });
  }
  return { summary: t(key, vars), fields };
}

/**
 * What went wrong, for a person, in their language: the text of the API's error code with the
 * client's texts of the fields at fault (e.g. "The number is not a phone number."), or a note
 * that the server could not be reached. Never the server's English message or a raw exception.
 */
export function errorText(err: unknown, t: Translate, concerns?: string): string {
  if (err instanceof ParleyApiError) {
    const { summary, fields } = formErrors(err, t, concerns);
    const texts = [...new Set(Object.values(fields))];
    return texts.length > 0 ? t('error.details', { text: summary, details: texts.join(' ') }) : summary;
  }
  // fetch() failing (server away, connection lost) is a TypeError; anything else is this app's own fault.
  return t(err instanceof TypeError ? 'error.network' : 'error.generic');
}
