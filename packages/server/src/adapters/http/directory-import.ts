import { directoryPaths, IdParams } from '@parley/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../compose.js';
import { ParleyError } from '../../core/errors.js';
import type { Principal } from '../../core/sessions/service.js';
import { fileSource } from '../../directory/connectors.js';
import { authenticateRequest, authorize, parsePart } from './request.js';
import { sourceView } from './routes/directory.js';

const principals = new WeakMap<FastifyRequest, Principal>();
const types = ['text/csv', 'text/vcard', 'text/x-vcard', 'text/plain', 'application/octet-stream'];

/**
 * `POST /api/v1/admin/directory/sources/:id/import`: a CSV or vCard file as the raw body, imported
 * into a file source at once; answers with the sync summary and the rows skipped with their line
 * numbers. Its own scope: a raw body parser and the configured size limit (413), checked against
 * Content-Length before the body is read.
 */
export async function registerDirectoryImport(app: FastifyInstance, core: Services, maxBytes: number): Promise<void> {
  const tooLarge = () =>
    new ParleyError('PARLEY_ERR_BODY_TOO_LARGE', `Directory files may be at most ${maxBytes} bytes`);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body));
    scope.post(directoryPaths.import, {
      bodyLimit: maxBytes,
      onRequest: async (req) => {
        const principal = await authenticateRequest(core, req);
        authorize({ access: 'tenant-admin' }, principal);
        principals.set(req, principal);
        if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw tooLarge();
        const type = (req.headers['content-type'] ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase();
        if (!types.includes(type ?? '')) {
          throw new ParleyError('PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE', `Send CSV or vCard as one of ${types.join(', ')}`);
        }
      },
      handler: async (req, reply) => {
        const principal = principals.get(req) as Principal;
        const { id } = parsePart(IdParams, req.params, 'params') as { id: string };
        const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const tenantId = principal.user.tenantId;
        const source = await core.directory.sources.get(tenantId, id);
        if (source.kind !== 'file') {
          throw new ParleyError(
            'PARLEY_ERR_VALIDATION',
            `${source.name} is a ${source.kind} source, not a file source`,
          );
        }
        const contacts = fileSource({ read: async () => bytes, ...source.config });
        const summary = await core.directory.sync.run(tenantId, source.id, { contacts });
        return reply.status(200).send({
          summary,
          skippedRows: contacts.skippedRows,
          source: sourceView(await core.directory.sources.get(tenantId, source.id)),
        });
      },
    });
  });
}
