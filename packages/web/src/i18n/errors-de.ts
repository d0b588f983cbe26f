import type { errorsEn } from './errors-en';

/** The error texts in German, key by key as in `errors-en.ts`. */
export const errorsDe: Record<keyof typeof errorsEn, string> = {
  'error.details': '{text} {details}',
  'error.unknown': 'Der Server hat das abgelehnt ({code}).',
  'error.code.PARLEY_ERR_VALIDATION': 'Eine Eingabe ist ungültig.',
  'error.code.PARLEY_ERR_BAD_JSON': 'Die App hat eine Anfrage gesendet, die der Server nicht lesen konnte.',
  'error.code.PARLEY_ERR_UNAUTHENTICATED': 'Ihre Sitzung ist beendet. Bitte melden Sie sich erneut an.',
  'error.code.PARLEY_ERR_INVALID_CREDENTIALS': 'Adresse oder Passwort ist falsch.',
  'error.code.PARLEY_ERR_FORBIDDEN': 'Das dürfen Sie nicht.',
  'error.code.PARLEY_ERR_NOT_FOUND': 'Das gibt es nicht mehr.',
  'error.code.PARLEY_ERR_CONFLICT': 'Das gibt es schon.',
  'error.code.PARLEY_ERR_BODY_TOO_LARGE': 'Das ist zu groß.',
  'error.code.PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE': 'Diese Art von Datei wird nicht angenommen.',
  'error.code.PARLEY_ERR_TOO_MANY_REQUESTS': 'Zu viele Versuche. Bitte warten Sie kurz und versuchen Sie es erneut.',
  'error.code.PARLEY_ERR_INTERNAL': 'Der Server hatte ein Problem. Bitte versuchen Sie es später erneut.',
  'error.code.PARLEY_ERR_NOT_READY': 'Der Server ist noch nicht bereit. Bitte versuchen Sie es gleich erneut.',
  'error.code.PARLEY_ERR_QUOTA_EXCEEDED':
    'Ihr Speicher ist voll. Löschen Sie Nachrichten mit Dateien, um Platz zu schaffen.',
};
