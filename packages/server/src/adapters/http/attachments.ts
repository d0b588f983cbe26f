import { createReadStream } from 'node:fs';
import { attachmentPaths, ConversationParams, UploadQuery } from '@parley/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../compose.js';
import type { Principal } from '../../core/sessions/service.js';
import { attachmentView } from '../views/messaging.js';
import { FILE_CSP } from './headers.js';
import { authenticateRequest, parsePart } from './request.js';
import { caller } from './routes/messaging.js';

/** The caller, authenticated once in `onRequest` (before the body is read) for the handler. */
const principals = new WeakMap<FastifyRequest, Principal>();

/**
 * Attachment upload and download: raw bytes rather than JSON, so they live in their own plugin
 * scope with a body parser for any content type (checked against the configured list, 415) and a
 * body limit of the configured size (413), which leaves the JSON-only API untouched.
 */
export async function registerAttachmentRoutes(app: FastifyInstance, core: Services): Promise<void> {
  const service = core.messaging.attachments;
  const { maxBytes } = service.options;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    scope.post(attachmentPaths.upload, {
      bodyLimit: maxBytes,
      // Refuse what is too big, over quota or of the wrong type before reading the body.
      onRequest: async (req) => {
        const principal = await authenticateRequest(core, req);
        principals.set(req, principal);
        const length = Number(req.headers['content-length'] ?? 0);
        if (length > 0) service.checkSize(length);
        service.checkType(req.headers['content-type']);
        if (length > 0) await service.checkQuota(caller(principal), length);
      },
      handler: async (req, reply) => {
        const principal = principals.get(req) as Principal;
        const { id } = parsePart(ConversationParams, req.params, 'params') as { id: string };
        const { name } = parsePart(UploadQuery, req.query, 'query') as { name: string };
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const attachment = await service.upload(caller(principal), id, {
          name,
          contentType: req.headers['content-type'],
          bytes,
        });
        return reply.status(201).send(attachmentView(attachment));
      },
    });
    scope.get(attachmentPaths.download, async (req, reply) => {
      const principal = await authenticateRequest(core, req);
      const { id } = parsePart(ConversationParams, req.params, 'params') as { id: string };
      const { attachment, path } = await service.open(caller(principal), id);
      // Whatever the file holds (an SVG or HTML with scripts), it never runs as the app: sandboxed,
      // saved rather than shown, not sniffed, and not embeddable by other sites.
      return reply
        .header('content-type', attachment.contentType)
        .header('content-length', String(attachment.size))
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.name)}`)
        .header('content-security-policy', FILE_CSP)
        .header('cross-origin-resource-policy', 'same-origin')
        .header('x-content-type-options', 'nosniff')
        .send(createReadStream(path));
    });
  });
}
