// Authorization, WWW-Authenticate, Proxy-Authenticate, Proxy-Authorization (RFC 3261 §20.7, §25.1; RFC 8760).
import { fail } from './errors.js';
import { isToken, quote, readQuoted, splitOutside } from './scan.js';

export interface AuthValue {
  /** Scheme as written, e.g. "Digest". */
  scheme: string;
  /** auth-params, names lower-cased, quoted values decoded. */
  params: Map<string, string>;
}

/**
 * Parses a credentials or challenge value: `scheme name=value, name="quoted, value", …`.
 * Commas inside quoted values do not separate parameters.
 */
export function parseAuth(value: string): AuthValue {
  const text = value.trim();
  const space = text.search(/\s/);
  const scheme = space < 0 ? text : text.slice(0, space);
  if (!isToken(scheme)) fail('bad authentication scheme');
  const params = new Map<string, string>();
  const rest = space < 0 ? '' : text.slice(space).trim();
  if (rest === '') return { scheme, params };
  for (const part of splitOutside(rest, ',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim().toLowerCase();
    const raw = part.slice(eq + 1).trim();
    if (eq < 0 || !isToken(name)) fail(`bad ${scheme} parameter "${part.trim().slice(0, 40)}"`);
    if (params.has(name)) fail(`${scheme} parameter ${name} given twice`);
    if (raw.startsWith('"')) {
      const { text: decoded, end } = readQuoted(raw, 0);
      if (end !== raw.length) fail(`text after quoted ${name}`);
      params.set(name, decoded);
    } else {
      if (!isToken(raw)) fail(`bad value of ${name}`);
      params.set(name, raw);
    }
  }
  return { scheme, params };
}

/** Parameters whose values are quoted-strings in RFC 3261 §25.1 (the rest are tokens). */
const QUOTED = new Set(['realm', 'domain', 'nonce', 'opaque', 'username', 'uri', 'response', 'cnonce', 'qop']);

/**
 * Renders a challenge or credentials value. `qop` is quoted (a challenge's qop-options);
 * pass `unquoted: ['qop']` for credentials, where message-qop is a token.
 */
export function renderAuth(auth: AuthValue, unquoted: readonly string[] = []): string {
  const params = [...auth.params].map(([name, value]) =>
    QUOTED.has(name) && !unquoted.includes(name) ? `${name}=${quote(value)}` : `${name}=${value}`,
  );
  return params.length === 0 ? auth.scheme : `${auth.scheme} ${params.join(', ')}`;
}
