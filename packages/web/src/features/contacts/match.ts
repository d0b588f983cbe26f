/**
 * The words of a name or a query as the server's colleague search compares them (`users.list`
 * with `q`): lower case, accents removed, split at everything but letters and digits.
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
 * The server's rule, for filtering colleagues already loaded: every word of the query starts a
 * word of the name, or the address starts with the query.
 */
export function matchesColleague(c: { name: string; address: string }, q: string): boolean {
  const query = q.trim().toLowerCase();
  if (query === '') return true;
  if (c.address.startsWith(query)) return true;
  const words = nameWords(query);
  if (words.length === 0) return false;
  const name = nameWords(c.name);
  return words.every((w) => name.some((n) => n.startsWith(w)));
}
