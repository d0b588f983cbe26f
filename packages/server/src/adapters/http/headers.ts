import type { FastifyInstance } from 'fastify';

/**
 * The web app's Content-Security-Policy: its own scripts, styles, images and connections (the
 * event WebSocket included: in CSP 3 'self' covers ws: and wss: of this host) and nothing else;
 * no inline code, no plugins, no framing, no <base>, forms only to itself.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * A user's file is never a page of this origin: opened as a document it is sandboxed (an opaque
 * origin without scripts, no session, no storage) and may load nothing.
 */
export const FILE_CSP = "sandbox; default-src 'none'";

/**
 * The headers of a user's file (an attachment, an avatar): whatever it holds (an SVG or HTML with
 * scripts), it never runs as the app: sandboxed, not sniffed, and not embeddable by other sites.
 */
export const userFileHeaders = (contentType: string, size: number) => ({
  'content-type': contentType,
  'content-length': String(size),
  'content-security-policy': FILE_CSP,
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
});

/**
 * CORS for files by link (XEP-0363 upload slots and the links XMPP clients fetch), so that a
 * browser XMPP client of another origin can upload to its slot and show what it fetches. The link
 * (or the slot) is the permission: no cookie or login is involved, so any origin may, without
 * credentials. A file by link may be embedded elsewhere (its CSP still sandboxes it as a page).
 */
export const FILE_LINK_CORS = {
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
} as const;

/** The answer to a browser's preflight of a file-link request (a PUT with its Content-Type). */
export const FILE_LINK_PREFLIGHT = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, PUT',
  'access-control-allow-headers': 'Content-Type',
  'access-control-max-age': '86400',
} as const;

/** The headers of every answer but a user's file. */
export const SECURITY_HEADERS = {
  'content-security-policy': APP_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * Sets the security headers of every response; routes that serve user files replace the CSP with
 * FILE_CSP. A callback hook: it runs on every request, and an async one costs a promise and a
 * turn of the microtask queue each time.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    done();
  });
}
