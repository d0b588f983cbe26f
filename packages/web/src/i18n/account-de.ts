import type { accountEn } from './account-en';

/** The account texts in German, key by key as in `account-en.ts`. */
export const accountDe: Record<keyof typeof accountEn, string> = {
  'account.password': 'Passwort ändern',
  'account.current': 'Aktuelles Passwort',
  'account.new': 'Neues Passwort',
  'account.newHint': 'Mindestens 8 Zeichen',
  'account.repeat': 'Neues Passwort wiederholen',
  'account.mismatch': 'Die beiden neuen Passwörter sind verschieden.',
  'account.submit': 'Passwort ändern',
  'account.changed': 'Ihr Passwort wurde geändert. Ihre anderen Sitzungen wurden abgemeldet.',
};
