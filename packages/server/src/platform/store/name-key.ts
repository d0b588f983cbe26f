/**
 * The words of a name or a query as the colleague list compares them: lower case, accents
 * removed (Müller → muller, Élodie → elodie), split at everything but letters and digits.
 */
export function nameWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase('de')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/**
 * `users.name_key`: a display name's words joined by single spaces. The colleague list sorts by it
 * (byte order on both engines: PostgreSQL stores it with `COLLATE "C"`) and finds a word by its
 * prefix with `name_key LIKE 'w%' OR name_key LIKE '% w%'` (words hold no LIKE wildcards).
 */
export const nameKey = (displayName: string): string => nameWords(displayName).join(' ');
