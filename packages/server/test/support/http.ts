import assert from 'node:assert/strict';

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, the text otherwise, undefined when empty. */
  body: unknown;
  text: string;
}

export interface RawRequest {
  token?: string;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A plain HTTP request to the test server, for what the typed client cannot express: arbitrary
 * bodies, content types and headers, and reading status and headers of error answers.
 */
export async function call(baseUrl: string, method: string, path: string, r: RawRequest = {}): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  let body: string | undefined;
  if (r.body !== undefined) {
    body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, r.headers);
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text.length > 0;
  return { status: res.status, headers: res.headers, body: json ? JSON.parse(text) : text || undefined, text };
}

export interface ErrorJson {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

/**
 * Asserts an error answer: the status, the code, and the `{"error":{"code","message"}}` shape
 * every error body has (optional `details` only). Returns the error for further checks.
 */
export function assertError(res: RawResponse, status: number, code: string): ErrorJson['error'] {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = res.body as ErrorJson;
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  for (const key of Object.keys(body.error)) assert.ok(['code', 'message', 'details'].includes(key), key);
  return body.error;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
