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
  'avatar.title': 'Bild',
  'avatar.current': 'Ihr Bild',
  'avatar.choose': 'Bild auswählen',
  'avatar.hint': 'PNG, JPEG, GIF oder WebP, höchstens 128 KB. Kollegen sehen es, auch in XMPP-Clients.',
  'avatar.remove': 'Bild entfernen',
  'avatar.saved': 'Ihr Bild wurde gespeichert.',
  'avatar.removed': 'Ihr Bild wurde entfernt.',
};
