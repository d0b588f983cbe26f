// Links to attachment files that work without a login, for protocols whose clients fetch files by
// URL (XEP-0363 HTTP upload): a slot token that allows one upload of exactly the file asked for
// until it expires, and a share token that names one stored file. Both are HMACs under a key the
// cluster shares, so any node checks what another issued; nothing is kept per link. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a slot allows: one upload by `uploaderId` of `size` bytes of `contentType` before `expiresAt`. */
export interface SlotGrant {
  tenantId: string;
  /** The attachment id the upload gets (a second upload to it is refused: single use). */
  id: string;
  name: string;
  uploaderId: string;
  size: number;
  contentType: string;
  expiresAt: number;
}

/** Bytes of a share token's MAC: 128 bits. */
const SHARE_BYTES = 16;

const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

const sameBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** The token that lets whoever holds it download the file `id` of the tenant. */
export const shareToken = (key: Buffer, tenantId: string, id: string): string =>
  mac(key, `file\n${tenantId}\n${id}`).subarray(0, SHARE_BYTES).toString('base64url');

export const checkShareToken = (key: Buffer, tenantId: string, id: string, token: string): boolean =>
  sameBytes(Buffer.from(shareToken(key, tenantId, id)), Buffer.from(token));

/** The slot's token: its terms (the path names tenant, id and name) and a MAC over all of them. */
export function slotToken(key: Buffer, g: SlotGrant): string {
  const terms = Buffer.from(
    JSON.stringify({ u: g.uploaderId, s: g.size, t: g.contentType, e: g.expiresAt }),
    'utf8',
  ).toString('base64url');
  const signed = mac(key, `slot\n${g.tenantId}\n${g.id}\n${g.name}\n${terms}`).toString('base64url');
  return `${terms}.${signed}`;
}

/**
 * The grant a slot token makes for this tenant, id and name, or why it makes none: `invalid` (not
 * one this server issued for this file) or `expired`.
 */
export function readSlotToken(
  key: Buffer,
  at: { tenantId: string; id: string; name: string; now: number },
  token: string,
): SlotGrant | 'invalid' | 'expired' {
  const [terms, signed, extra] = token.split('.');
  if (terms === undefined || signed === undefined || extra !== undefined) return 'invalid';
  const expected = mac(key, `slot\n${at.tenantId}\n${at.id}\n${at.name}\n${terms}`);
  if (!sameBytes(expected, Buffer.from(signed, 'base64url'))) return 'invalid';
  const t = JSON.parse(Buffer.from(terms, 'base64url').toString('utf8')) as {
    u: string;
    s: number;
    t: string;
    e: number;
  };
  if (at.now >= t.e) return 'expired';
  return {
    tenantId: at.tenantId,
    id: at.id,
    name: at.name,
    uploaderId: t.u,
    size: t.s,
    contentType: t.t,
    expiresAt: t.e,
  };
}
