import assert from 'node:assert/strict';
import { tracingChannel } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { numberParam } from '../src/adapters/http/lookup-route.js';
import { assertError, call, type RawResponse } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

// `GET /api/v1/directory/lookup?number=…` is answered in front of fastify (lookup-route.ts). Each
// request here is sent twice: as `?number=…`, which the lean route takes, and with a trailing
// `&`, the same query to fastify's parser but a form the lean route leaves to fastify. Both must
// give the same status, headers (but the date) and body; fastify's tracing channel tells which
// one served the request.

const PATH = '/api/v1/directory/lookup';
const metricsToken = 'metrics-token-0123456789';

/** Counts the requests fastify's route handlers serve (its tracing channel), from now until `stop`. */
function fastifyHandled() {
  const channel = tracingChannel('fastify.request.handler');
  const noop = () => {};
  const counter = { n: 0 };
  const subscribers = { start: () => void counter.n++, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
  channel.subscribe(subscribers);
  return { count: () => counter.n, stop: () => channel.unsubscribe(subscribers) };
}

describe('the lean lookup route answers as the fastify route does', () => {
  let t: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let carol: Awaited<ReturnType<TestServer['user']>>;
  const fastify = fastifyHandled();

  /** The request by the lean route and by fastify; asserts they answered alike; the lean answer. */
  async function both(query: string, r: { token?: string; headers?: Record<string, string> } = {}) {
    const before = fastify.count();
    const lean = await call(t.url, 'GET', `${PATH}?${query}`, r);
    assert.equal(fastify.count(), before, `?${query}: served by the lean route`);
    const full = await call(t.url, 'GET', `${PATH}?${query}&`, r);
    assert.equal(fastify.count(), before + 1, `?${query}&: served by fastify`);
    assert.equal(lean.status, full.status, query);
    assert.equal(lean.text, full.text, query);
    assert.deepEqual(headersOf(lean), headersOf(full), query);
    return lean;
  }
  const headersOf = (res: RawResponse) => [...res.headers].filter(([name]) => name !== 'date').sort();

  before(async () => {
    t = await startTestServer({ 'http.metrics.token': metricsToken });
    await t.core.tenants.create({ domain: 'a.test', country: 'DE', areaCode: '711' });
    await t.core.tenants.create({ domain: 'b.test', country: 'DE', areaCode: '711' });
    alice = await t.user('alice@a.test');
    bob = await t.user('bob@a.test');
    carol = await t.user('carol@b.test');
    await t.core.users.update(alice.tenantId, alice.userId, { numbers: ['+49 711 777777'] }, { role: 'tenant-admin' });
  });
  after(async () => {
    fastify.stop();
    await t.stop();
  });

  test('a lookup: the candidate in the caller’s tenant, by bearer token or session cookie, any spelling', async () => {
    const found = await both('number=0711%20777777', { token: bob.token });
    assert.equal(found.status, 200);
    assert.equal(found.headers.get('content-security-policy')?.startsWith("default-src 'self'"), true);
    assert.equal(found.headers.get('x-content-type-options'), 'nosniff');
    const body = found.body as { number: string; candidates: { address?: string }[] };
    assert.equal(body.number, '+49711777777');
    assert.equal(body.candidates[0]?.address, 'alice@a.test');
    assert.equal((await both('number=%2B49+711+777777', { token: bob.token })).text, found.text);
    assert.equal(
      (await both('number=0711777777', { headers: { cookie: `parley_session=${bob.token}` } })).text,
      found.text,
    );
  });

  test('another tenant’s contacts are not found', async () => {
    const other = await both('number=0711%20777777', { token: carol.token });
    assert.deepEqual((other.body as { candidates: unknown[] }).candidates, []);
  });

  test('no token, a bad token: 401 with the bearer challenge', async () => {
    assertError(await both('number=0711777777'), 401, 'PARLEY_ERR_UNAUTHENTICATED');
    for (const token of ['nonsense', `${bob.token.slice(0, -4)}0000`]) {
      const res = await both('number=0711777777', { token });
      assertError(res, 401, 'PARLEY_ERR_UNAUTHENTICATED');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="parley"/);
    }
  });

  test('a bad query: 400 PARLEY_ERR_VALIDATION with the path of the field', async () => {
    for (const query of ['number=', `number=${'1'.repeat(65)}`, 'number=hello', 'number=%E0%A4%A', 'number=%FF']) {
      const res = await both(query, { token: bob.token });
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assertError(res, 400, 'PARLEY_ERR_VALIDATION');
    }
  });

  test('other forms of the query, other methods and paths are fastify’s', async () => {
    for (const [method, path] of [
      ['GET', `${PATH}?number=1&number=2`],
      ['GET', `${PATH}?q=1`],
      ['GET', PATH],
      ['HEAD', `${PATH}?number=0711777777`],
    ] as const) {
      const before = fastify.count();
      const res = await call(t.url, method, path, { token: bob.token });
      assert.equal(fastify.count(), before + 1, `${method} ${path}: ${res.status}`);
    }
    assertError(
      await call(t.url, 'GET', `${PATH}/?number=0711777777`, { token: bob.token }),
      404,
      'PARLEY_ERR_NOT_FOUND',
    );
  });

  test('the requests it answers are counted in the metrics, by route and status', async () => {
    const count = async (status: number) => {
      const text = (await call(t.url, 'GET', '/metrics', { token: metricsToken })).text;
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('parley_http_requests_total{') &&
            l.includes(`route="${PATH}"`) &&
            l.includes(`status="${status}"`),
        );
      return Number(line?.split(' ')[1] ?? 0);
    };
    const [ok, unauthenticated] = [await count(200), await count(401)];
    await both('number=0711777777', { token: bob.token });
    await both('number=0711777777');
    assert.equal(await count(200), ok + 2);
    assert.equal(await count(401), unauthenticated + 2);
  });
});

test('while requests are logged one by one (debug), fastify serves the lookup and logs it', async () => {
  const lines: { msg?: string; req?: { url?: string } }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const t = await startTestServer({}, { log });
  const fastify = fastifyHandled();
  try {
    const dana = await t.user('dana@d.test');
    const before = fastify.count();
    assert.equal((await call(t.url, 'GET', `${PATH}?number=0711777777`, { token: dana.token })).status, 200);
    assert.equal(fastify.count(), before + 1);
    assert.ok(lines.some((l) => l.msg === 'request' && l.req?.url === PATH));
  } finally {
    fastify.stop();
    await t.stop();
  }
});

test('numberParam reads `number=VALUE` as fastify’s query parser does', () => {
  assert.equal(numberParam('0711+123%2D4'), '0711 123-4');
  assert.equal(numberParam('%2B49%20711'), '+49 711');
  assert.equal(numberParam('%E0%A4%A'), '%E0%A4%A', 'no UTF-8: as sent');
  assert.equal(numberParam(''), '');
  for (const other of ['1&x=2', '1=2', '1#x']) assert.equal(numberParam(other), undefined, other);
});
