import { nameWords } from '@parley/api';

/**
 * `users.name_key`: a display name's words joined by single spaces. The colleague list sorts by it
 * (byte order on both engines: PostgreSQL stores it with `COLLATE "C"`) and finds a word by its
 * prefix with `name_key LIKE 'w%' OR name_key LIKE '% w%'` (words hold no LIKE wildcards).
 */
export const nameKey = (displayName: string): string => nameWords(displayName).join(' ');
