import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const token = 'metrics-token-0123456789';

/** The Prometheus text format, line by line, with the HTTP counter of a route that was called. */
function assertPrometheus(text: string) {
  assert.match(text, /^# TYPE parley_http_requests_total counter$/m);
  assert.match(text, /^parley_http_requests_total\{[^}]*route="\/healthz"[^}]*\} \d+/m);
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+$/, line);
  }
}

describe('/metrics is not public', () => {
  let plain: TestServer;
  let withToken: TestServer;
  let separate: TestServer;
  before(async () => {
    [plain, withToken, separate] = await Promise.all([
      startTestServer(),
      startTestServer({ 'http.metrics.token': token }),
      startTestServer({ 'http.metrics.port': 0, 'http.metrics.token': token }),
    ]);
  });
  after(() => Promise.all([plain.stop(), withToken.stop(), separate.stop()]));

  test('by default the main listener does not serve /metrics at all', async () => {
    const res = await call(plain.url, 'GET', '/metrics');
    assert.equal(res.status, 404);
    assert.doesNotMatch(res.text, /parley_/);
  });

  test('with a token: 401 without it or with a wrong one, Prometheus text with it', async () => {
    await call(withToken.url, 'GET', '/healthz');
    const none = await call(withToken.url, 'GET', '/metrics');
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.doesNotMatch(none.text, /parley_/);
    assert.equal((await call(withToken.url, 'GET', '/metrics', { token: `${token}x` })).status, 401);
    assert.equal((await call(withToken.url, 'GET', '/metrics', { token: 'short' })).status, 401);
    const ok = await call(withToken.url, 'GET', '/metrics', { token });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /^text\/plain/);
    assertPrometheus(ok.text);
  });

  test('a separate listener serves /metrics (with its token) and the main listener does not', async () => {
    assert.ok(separate.metricsUrl, 'the metrics listener is up');
    assert.notEqual(separate.metricsUrl, separate.url);
    await call(separate.url, 'GET', '/healthz');
    assert.equal((await call(separate.url, 'GET', '/metrics', { token })).status, 404);
    assert.equal((await call(separate.metricsUrl, 'GET', '/metrics')).status, 401);
    const ok = await call(separate.metricsUrl, 'GET', '/metrics', { token });
    assert.equal(ok.status, 200);
    assertPrometheus(ok.text);
    // Nothing else lives there.
    assert.equal((await call(separate.metricsUrl, 'GET', '/healthz')).status, 404);
    assert.equal((await call(separate.metricsUrl, 'GET', '/api/v1/me', { token })).status, 404);
  });
});
