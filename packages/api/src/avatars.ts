import { z } from 'zod';
import { Id } from './schemas.js';

/**
 * A user's avatar travels as raw image bytes, not JSON, so it is outside the route table:
 * `PUT mine` with the image's Content-Type (PNG, JPEG, GIF or WebP, at most 128 KiB) →
 * 200 `AvatarInfo`; `DELETE mine` → 204; `GET ofUser` → the image of a user of one's tenant (404
 * without one).
 */
export const avatarPaths = {
  mine: '/api/v1/me/avatar',
  ofUser: '/api/v1/users/:id/avatar',
} as const;

export const AvatarInfo = z
  .object({
    sha1: z.string().describe('SHA-1 of the image (hex): XMPP clients know the avatar by it'),
    contentType: z.string(),
    size: z.number().int(),
  })
  .meta({ id: 'Avatar' });
export type AvatarInfo = z.infer<typeof AvatarInfo>;
export const AvatarParams = z.strictObject({ id: Id });
