import { z } from 'zod';
import { ErrorBody, errorStatus } from './errors.js';
import { type RouteSpec, routes } from './routes.js';

// OpenAPI 3.1: its Schema Objects are JSON Schema 2020-12, zod's own output, so a nullable named
// schema is exactly `anyOf: [{ $ref }, { type: 'null' }]` (3.0's `nullable` has no effect beside a
// `$ref`, and validators that honour it reject the null).

type Schema = { [key: string]: unknown };

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

/** Points each `#/$defs/X` zod writes at `#/components/schemas/X`. */
function relink(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relink);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string'
        ? value.replace(/^#\/\$defs\//, '#/components/schemas/')
        : relink(value),
    ]),
  );
}

/**
 * Converts zod schemas to OpenAPI Schema Objects. A schema named with `.meta({ id })` is written
 * once into `schemas` (the document's `components/schemas`) and referenced from everywhere it is
 * used; so a name must stand for one schema that reads the same in requests and responses.
 */
function schemaWriter() {
  const schemas: Record<string, Schema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): Schema => {
    // `$schema` is the document's (OpenAPI 3.1 dialect); named schemas come back in `$defs`.
    const {
      $schema: _dialect,
      $defs: definitions,
      ...own
    } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as Schema & {
      $defs?: Record<string, Schema>;
    };
    for (const [id, definition] of Object.entries(definitions ?? {})) {
      const linked = relink(definition) as Schema;
      const known = schemas[id];
      if (known && JSON.stringify(known) !== JSON.stringify(linked)) {
        throw new Error(
          `OpenAPI: two different schemas are named "${id}" (or it reads differently in requests and responses)`,
        );
      }
      schemas[id] = linked;
    }
    return relink(own) as Schema;
  };
  return { schemas, convert };
}

function parameters(spec: RouteSpec, convert: ReturnType<typeof schemaWriter>['convert']) {
  const out: Schema[] = [];
  for (const where of ['params', 'query'] as const) {
    const schema = spec[where];
    if (!schema) continue;
    const js = convert(schema, 'input') as { properties?: Record<string, Schema>; required?: string[] };
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

/** The OpenAPI 3.1 document of the HTTP API, generated from the route table. */
export function openApiDocument(info: { version: string }) {
  const { schemas, convert } = schemaWriter();
  const errorSchema = convert(ErrorBody, 'output');
  const errors = Object.fromEntries(
    [...new Set(Object.values(errorStatus))].map((status) => [
      String(status),
      { $ref: '#/components/responses/Error' },
    ]),
  );
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(routes) as [string, RouteSpec][]) {
    const op: Record<string, unknown> = {
      operationId: name,
      summary: spec.summary,
      tags: [
        name
          .split('.')
          .slice(0, name.startsWith('admin.') ? 2 : 1)
          .join('.'),
      ],
      security: spec.access === 'public' ? [] : [{ bearer: [] }, { cookie: [] }],
      parameters: parameters(spec, convert),
      responses: {
        [spec.status]: spec.response
          ? { description: 'Success', content: { 'application/json': { schema: convert(spec.response, 'output') } } }
          : { description: 'Success, no content' },
        ...errors,
      },
    };
    if (spec.body) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: convert(spec.body, 'input') } },
      };
    }
    paths[toOpenApiPath(spec.path)] ??= {};
    (paths[toOpenApiPath(spec.path)] as Record<string, unknown>)[spec.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley API',
      version: info.version,
      license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
    },
    servers: [{ url: '/', description: 'The server this document is served from' }],
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      responses: {
        Error: {
          description: 'Error; `error.code` is one of the stable PARLEY_ERR_* codes',
          content: { 'application/json': { schema: errorSchema } },
        },
      },
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
