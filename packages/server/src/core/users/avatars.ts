import { createHash } from 'node:crypto';
import type { CoreContext } from '../context.js';
import { invalid, ParleyError } from '../errors.js';
import { ReadCache } from '../read-cache.js';

/** A user's picture: the image and its SHA-1 (hex), which XMPP clients know it by (XEP-0084, XEP-0153). */
export interface Avatar {
  tenantId: string;
  userId: string;
  contentType: string;
  sha1: string;
  bytes: Buffer;
  updatedAt: number;
}

/** Largest avatar image: small enough to sit in the store and travel in a vCard or PEP item. */
export const AVATAR_MAX_BYTES = 128 * 1024;

/** The raster types accepted, each with the bytes its files begin with (no SVG: it may hold scripts). */
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
export const AVATAR_TYPES = Object.keys(SIGNATURES);

/**
 * Users' avatars: set and removed by the user, read by whoever may see the user. Each change is an
 * `avatar.changed` event (XMPP announces the new hash to contacts).
 */
export class AvatarService {
  /** Each user's avatar hash (or none), for presence: read on every presence stanza rendered. */
  private readonly hashes: ReadCache<{ sha1: string | null }>;

  constructor(private readonly ctx: CoreContext) {
    this.hashes = new ReadCache(ctx.clock);
  }

  /** Drops the cached hash of a user (of every user of a tenant without `userId`). */
  forget(tenantId: string, userId?: string): void {
    this.hashes.forget((_v, key) => key === `${tenantId} ${userId}` || (!userId && key.startsWith(`${tenantId} `)));
  }

  /**
   * Sets the user's avatar: 415 for a type other than PNG, JPEG, GIF or WebP, 413 above
   * AVATAR_MAX_BYTES, 400 for an empty file or one whose bytes are not of its type.
   */
  async set(tenantId: string, userId: string, image: { contentType: string; bytes: Buffer }): Promise<Avatar> {
    const contentType = image.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    const signature = SIGNATURES[contentType];
    if (!signature) {
      throw new ParleyError(
        'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE',
        `An avatar is one of ${AVATAR_TYPES.join(', ')}, not ${contentType || '(none)'}`,
      );
    }
    if (image.bytes.length > AVATAR_MAX_BYTES) {
      throw new ParleyError('PARLEY_ERR_BODY_TOO_LARGE', `An avatar may be at most ${AVATAR_MAX_BYTES} bytes`);
    }
    if (!signature(image.bytes)) throw invalid('body', `the file is not a ${contentType} image`);
    const avatar: Avatar = {
      tenantId,
      userId,
      contentType,
      sha1: createHash('sha1').update(image.bytes).digest('hex'),
      bytes: image.bytes,
      updatedAt: this.ctx.clock.now(),
    };
    await this.ctx.store.repos.avatars.put(avatar);
    await this.changed(tenantId, userId, avatar.sha1);
    return avatar;
  }

  async remove(tenantId: string, userId: string): Promise<void> {
    if (await this.ctx.store.repos.avatars.delete(tenantId, userId)) await this.changed(tenantId, userId, null);
  }

  /** The user's avatar, if they have one. */
  async get(tenantId: string, userId: string): Promise<Avatar | undefined> {
    return this.ctx.store.repos.avatars.get(tenantId, userId);
  }

  /** The SHA-1 (hex) of the user's avatar, null without one (cached). */
  async hash(tenantId: string, userId: string): Promise<string | null> {
    const v = await this.hashes.get(`${tenantId} ${userId}`, async () => ({
      sha1: (await this.ctx.store.repos.avatars.sha1(tenantId, userId)) ?? null,
    }));
    return v?.sha1 ?? null;
  }

  private async changed(tenantId: string, userId: string, sha1: string | null) {
    this.forget(tenantId, userId);
    await this.ctx.bus.publish('avatar.changed', { tenantId, userId, sha1 });
  }
}
