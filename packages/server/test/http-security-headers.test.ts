import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attachmentPaths } from '@parley/api';
import { call, type RawResponse } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

const svg = `<svg xmlns="http://www.w3.org/2000/svg"><script>localStorage.setItem('xss', document.cookie)</script></svg>`;

/** The directives of a Content-Security-Policy header, by name. */
function csp(res: RawResponse): Map<string, string> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
  );
}

function assertBaseline(res: RawResponse, what: string) {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.ok(res.headers.get('content-security-policy'), `${what}: a CSP`);
}

describe('security headers', () => {
  let t: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  before(async () => {
    t = await startTestServer();
    alice = await t.user('alice@headers.test');
    await t.user('bob@headers.test');
  });
  after(() => t.stop());

  test("the app's pages carry the app's CSP, nosniff and a Referrer-Policy", async () => {
    for (const path of ['/', '/chats/x', '/favicon.svg']) {
      const res = await call(t.url, 'GET', path, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200, path);
      assertBaseline(res, path);
      const d = csp(res);
      assert.equal(d.get('default-src'), "'self'");
      assert.equal(d.get('script-src'), "'self'");
      assert.equal(d.get('object-src'), "'none'");
      assert.equal(d.get('frame-ancestors'), "'none'");
      assert.equal(d.get('base-uri'), "'none'");
      assert.equal(d.get('form-action'), "'self'");
      for (const v of d.values()) assert.doesNotMatch(v, /unsafe|\*|data:|blob:/, 'nothing but the own origin');
    }
  });

  test('API answers (success, error, not found) carry them too', async () => {
    assertBaseline(await call(t.url, 'GET', '/api/v1/me', { token: alice.token }), 'me');
    assertBaseline(await call(t.url, 'GET', '/api/v1/me'), '401');
    assertBaseline(await call(t.url, 'GET', '/api/v1/nothing'), '404');
    assertBaseline(await call(t.url, 'GET', '/healthz'), 'healthz');
  });

  test('an attachment (an SVG with a script) downloads sandboxed, as a download, not sniffed, not embeddable elsewhere', async () => {
    const conv = await alice.api.request('conversations.create', { body: { members: ['bob@headers.test'] } });
    const up = await call(t.url, 'POST', `${attachmentPaths.upload.replace(':id', conv.id)}?name=evil.svg`, {
      token: alice.token,
      body: svg,
      headers: { 'content-type': 'image/svg+xml' },
    });
    assert.equal(up.status, 201);
    const { url } = up.body as { url: string };
    const res = await call(t.url, 'GET', url, { token: alice.token });
    assert.equal(res.status, 200);
    assert.equal(res.text, svg);
    assertBaseline(res, 'download');
    const d = csp(res);
    assert.ok(d.has('sandbox'), 'sandboxed: an opaque origin without scripts');
    assert.equal(d.get('sandbox'), '', 'no allow-scripts or other exception');
    assert.equal(d.get('default-src'), "'none'");
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
  });
});
