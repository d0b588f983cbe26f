// The served OpenAPI document, checked as the tools people feed it to see it: two independent
// validators, Redocly's linter, and TypeScript types generated from it by openapi-typescript.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

type Json = { [key: string]: unknown };
interface Document {
  openapi: string;
  components: { schemas: Record<string, Json> };
}

let t: TestServer;
let doc: Document;
/** The document as served; each tool parses its own copy (some change what they are given). */
let text: string;
before(async () => {
  t = await startTestServer();
  const res = await call(t.url, 'GET', '/api/v1/openapi.json');
  assert.equal(res.status, 200);
  doc = res.body as Document;
  text = res.text;
});
after(() => t.stop());

/** Every object in `node` with its JSON pointer. */
function* objects(node: unknown, pointer = ''): Generator<[string, Json]> {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) yield [pointer, node as Json];
  for (const [key, value] of Object.entries(node)) {
    yield* objects(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  }
}

describe('GET /api/v1/openapi.json', () => {
  test('is valid OpenAPI 3.1 for @seriousme/openapi-schema-validator', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await new Validator().validate(JSON.parse(text));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  test('validates and dereferences fully with @apidevtools/swagger-parser', async () => {
    await SwaggerParser.validate(JSON.parse(text));
    const resolved = await SwaggerParser.dereference(JSON.parse(text));
    const left = [...objects(resolved)].filter(([, o]) => '$ref' in o).map(([p]) => p);
    assert.deepEqual(left, []);
  });

  test('has no errors or warnings under Redocly recommended rules', async () => {
    const problems = await lintFromString({
      source: text,
      absoluteRef: `${t.url}/api/v1/openapi.json`,
      config: await createConfig({ extends: ['recommended'] }),
    });
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`),
      [],
    );
  });

  test('writes each named schema once, in components/schemas, and references it', () => {
    const named = new Map(Object.entries(doc.components.schemas).map(([id, s]) => [JSON.stringify(s), id]));
    assert.ok(named.size >= 10);
    const refs = new Set<string>();
    for (const [pointer, o] of objects(doc)) {
      for (const key of ['definitions', '$defs', '$schema', '$id']) assert.ok(!(key in o), `${key} at ${pointer}`);
      if (typeof o.$ref === 'string') refs.add(o.$ref);
      const copy = pointer.startsWith('/components/schemas/') ? undefined : named.get(JSON.stringify(o));
      assert.equal(copy, undefined, `a copy of ${copy} at ${pointer}`);
    }
    for (const id of Object.keys(doc.components.schemas)) {
      assert.ok(refs.has(`#/components/schemas/${id}`), `${id} is never referenced`);
    }
  });

  test('generates TypeScript types (openapi-typescript) that type-check typed calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-openapi-'));
    try {
      writeFileSync(join(dir, 'parley-api.ts'), astToString(await openapiTS(JSON.parse(text))));
      writeFileSync(join(dir, 'calls.ts'), typedCalls);
      const program = ts.createProgram([join(dir, 'calls.ts')], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts'],
        types: [],
      });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        return `${d.file?.fileName ?? ''}:${at}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      assert.deepEqual(problems, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A consumer's code against the generated types: a small typed fetch and calls through it. The
 * `@ts-expect-error` lines fail the compile if the types let wrong calls through.
 */
const typedCalls = `
import type { components, paths } from './parley-api';

declare function fetch(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
): Promise<{ json(): Promise<unknown> }>;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: unknown } ? paths[P][M] : never;
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Ok<O> = O extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : never;

async function request<P extends keyof paths, M extends Method>(
  path: P,
  method: M,
  body: Body<Op<P, M>>,
  token?: string,
): Promise<Ok<Op<P, M>>> {
  const res = await fetch(path, {
    method: method.toUpperCase(),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Ok<Op<P, M>>;
}

export async function signIn(user: string, password: string): Promise<components['schemas']['User']> {
  const login = await request('/api/v1/auth/login', 'post', { user, password });
  const token: string = login.token;
  const expires: string = login.expiresAt;
  const me = await request('/api/v1/me', 'patch', { displayName: 'Alice', email: null }, token);
  const numbers: string[] = me.numbers;
  // @ts-expect-error the password is a string
  await request('/api/v1/auth/login', 'post', { user, password: 1 });
  // @ts-expect-error login takes no unknown fields
  await request('/api/v1/auth/login', 'post', { user, password, remember: true });
  void expires;
  void numbers;
  return login.user;
}

type UpdateTenant = paths['/api/v1/admin/tenants/{id}']['patch'];
export const tenantPath: UpdateTenant['parameters']['path'] = { id: 't1' };
export const noNumbering: Body<UpdateTenant> = { numbering: null };
type ListUsers = paths['/api/v1/admin/users']['get']['parameters']['query'];
export const page: ListUsers = { limit: 50 };
// @ts-expect-error limit is a number
export const badPage: ListUsers = { limit: 'all' };
type Tenant = components['schemas']['Tenant'];
export const plan = (tenant: Tenant): number | undefined => tenant.numbering?.extensionLength?.max;

type Failed = paths['/api/v1/auth/login']['post']['responses'][401]['content']['application/json'];
export const code = (e: Failed): string => e.error.code;
`;
