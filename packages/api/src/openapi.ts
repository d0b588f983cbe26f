import { z } from 'zod';
import { ErrorBody, errorStatus } from './errors.js';
import { type RouteSpec, routes } from './routes.js';

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  // Named schemas (.meta({id})) become $refs into components.schemas.
  return z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any', reused: 'inline' });
}

function parameters(spec: RouteSpec) {
  const out: unknown[] = [];
  for (const where of ['params', 'query'] as const) {
    const schema = spec[where];
    if (!schema) continue;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      out.push({
        name,
        in: where === 'params' ? 'path' : 'query',
        required: where === 'params' || (js.required ?? []).includes(name),
        schema: prop,
      });
    }
  }
  return out;
}

/** The OpenAPI 3.0 document of the HTTP API, generated from the route table. */
export function openApiDocument(info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const errors = Object.fromEntries(
      [...new Set(Object.values(errorStatus))].map((status) => [
        String(status),
        { description: 'Error', content: { 'application/json': { schema: jsonSchema(ErrorBody, 'output') } } },
      ]),
    );
    const op: Record<string, unknown> = {
      operationId: name,
      summary: spec.summary,
      tags: [
        name
          .split('.')
          .slice(0, name.startsWith('admin.') ? 2 : 1)
          .join('.'),
      ],
      parameters: parameters(spec),
      responses: {
        [spec.status]: spec.response
          ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } }
          : { description: 'Success, no content' },
        ...errors,
      },
    };
    if (spec.access !== 'public') op.security = [{ bearer: [] }, { cookie: [] }];
    if (spec.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
      };
    }
    paths[toOpenApiPath(spec.path)] ??= {};
    (paths[toOpenApiPath(spec.path)] as Record<string, unknown>)[spec.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Parley API', version: info.version },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'parley_session',
          description:
            'The web app session from POST /api/v1/auth/cookie; requests other than GET and HEAD also send its CSRF token in X-CSRF-Token',
        },
      },
    },
    paths,
  };
}
