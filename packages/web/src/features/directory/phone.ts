/**
 * Whether a query is written like a phone number (digits with `+`, spaces and `-()/.`), so it
 * may be looked up in reverse; the same rule as the API's PhoneNumber.
 * @example looksLikeNumber('+49 (0)711 1234-56') // true
 * @example looksLikeNumber('anna') // false
 */
export function looksLikeNumber(q: string): boolean {
  const s = q.trim();
  return /^\+?[0-9][0-9 ()/.-]*$/.test(s) && s.replace(/\D/g, '').length >= 2;
}
