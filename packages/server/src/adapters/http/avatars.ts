import { AvatarInfo, AvatarParams, avatarPaths } from '@parley/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../compose.js';
import { notFound } from '../../core/errors.js';
import type { Principal } from '../../core/sessions/service.js';
import { AVATAR_MAX_BYTES } from '../../core/users/avatars.js';
import { userFileHeaders } from './headers.js';
import { authenticateRequest, parsePart } from './request.js';

/** The caller, authenticated in `onRequest` (before the body is read) for the handler. */
const principals = new WeakMap<FastifyRequest, Principal>();

/**
 * Users' avatars: raw image bytes in their own plugin scope (any content type reaches the core,
 * which accepts PNG, JPEG, GIF and WebP, 415 otherwise; 413 above the size), served to users of
 * the same tenant like any user file: sandboxed and not sniffed.
 */
export async function registerAvatarRoutes(app: FastifyInstance, core: Services): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: AVATAR_MAX_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    scope.put(avatarPaths.mine, {
      bodyLimit: AVATAR_MAX_BYTES,
      onRequest: async (req) => void principals.set(req, await authenticateRequest(core, req)),
      handler: async (req) => {
        const { user } = principals.get(req) as Principal;
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const a = await core.avatars.set(user.tenantId, user.id, {
          contentType: req.headers['content-type'] ?? '',
          bytes,
        });
        return AvatarInfo.parse({ sha1: a.sha1, contentType: a.contentType, size: a.bytes.length });
      },
    });
    scope.delete(avatarPaths.mine, async (req, reply) => {
      const { user } = await authenticateRequest(core, req);
      await core.avatars.remove(user.tenantId, user.id);
      return reply.status(204).send();
    });
    scope.get(avatarPaths.ofUser, async (req, reply) => {
      const { user } = await authenticateRequest(core, req);
      const { id } = parsePart(AvatarParams, req.params, 'params') as { id: string };
      const avatar = await core.avatars.get(user.tenantId, id);
      if (!avatar) throw notFound('avatar');
      return reply
        .headers(userFileHeaders(avatar.contentType, avatar.bytes.length))
        .header('etag', `"${avatar.sha1}"`)
        .header('cache-control', 'private, no-cache')
        .send(avatar.bytes);
    });
  });
}
