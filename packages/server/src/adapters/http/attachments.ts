import { createReadStream } from 'node:fs';
import { attachmentPaths, ConversationParams, FileParams, FileSlotQuery, UploadQuery } from '@parley/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../compose.js';
import type { SlotGrant } from '../../core/messaging/file-links.js';
import type { Attachment } from '../../core/messaging/model.js';
import type { Principal } from '../../core/sessions/service.js';
import { attachmentView } from '../views/messaging.js';
import { FILE_LINK_CORS, FILE_LINK_PREFLIGHT, userFileHeaders } from './headers.js';
import { authenticateRequest, parsePart } from './request.js';
import { caller } from './routes/messaging.js';

/** The caller, authenticated once in `onRequest` (before the body is read) for the handler. */
const principals = new WeakMap<FastifyRequest, Principal>();
/** The upload slot of a PUT, checked once in `onRequest` (before the body is read) for the handler. */
const grants = new WeakMap<FastifyRequest, SlotGrant>();

/** A user's file, saved rather than shown; by link (`shared`), to any origin. */
const sendFile = (reply: FastifyReply, file: { attachment: Attachment; path: string }, shared = false) =>
  reply
    .headers({ ...userFileHeaders(file.attachment.contentType, file.attachment.size), ...(shared && FILE_LINK_CORS) })
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.attachment.name)}`)
    .send(createReadStream(file.path));

const declaredLength = (req: FastifyRequest) =>
  req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);

/**
 * Attachment upload and download, and files by link (XEP-0363 upload slots and the links
 * XMPP clients fetch): raw bytes rather than JSON, so they live in their own plugin
 * scope with a body parser for any content type (checked against the configured list, 415) and a
 * body limit of the configured size (413), which leaves the JSON-only API untouched.
 */
export async function registerAttachmentRoutes(app: FastifyInstance, core: Services): Promise<void> {
  const service = core.messaging.attachments;
  const { maxBytes } = service.options;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    // Files by link answer any origin, their errors too (a browser client reads why an upload failed).
    scope.addHook('onRequest', async (req, reply) => {
      if (req.routeOptions.url === attachmentPaths.file) void reply.header('access-control-allow-origin', '*');
    });
    scope.options(attachmentPaths.file, async (_req, reply) => reply.status(204).headers(FILE_LINK_PREFLIGHT).send());
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
      return sendFile(reply, await service.open(caller(principal), id));
    });
    // Files by link (XEP-0363): the link is the permission, no login.
    scope.get(attachmentPaths.file, async (req, reply) => {
      const at = parsePart(FileParams, req.params, 'params') as { tenantId: string; id: string; token: string };
      return sendFile(reply, await service.openShared(at.tenantId, at.id, at.token), true);
    });
    scope.put(attachmentPaths.file, {
      bodyLimit: maxBytes,
      // The slot allows one upload of exactly its size and type: refuse anything else before reading the body.
      onRequest: async (req) => {
        const at = parsePart(FileParams, req.params, 'params') as { tenantId: string; id: string; name: string };
        const { slot } = parsePart(FileSlotQuery, req.query, 'query') as { slot: string };
        const length = declaredLength(req);
        if (length !== undefined) service.checkSize(length);
        const declared = { contentType: req.headers['content-type'], length };
        grants.set(req, await service.slotGrant(at, slot, declared));
      },
      handler: async (req, reply) => {
        const grant = grants.get(req) as SlotGrant;
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        await service.uploadToSlot(grant, bytes);
        return reply.status(201).send();
      },
    });
  });
}
