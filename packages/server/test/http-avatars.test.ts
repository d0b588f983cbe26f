// Users' avatars over the REST API: set by the user as raw image bytes (PNG, JPEG, GIF, WebP; the
// bytes must be of the type; at most 128 KiB), read by colleagues with the safe headers of user
// files, invisible to other tenants, removed again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('rest of a png'),
]);

describe('avatars over REST', () => {
  let server: TestServer;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let eve: Awaited<ReturnType<TestServer['user']>>;

  const put = (who: { token: string }, body: Buffer, type: string) =>
    fetch(new URL('/api/v1/me/avatar', server.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${who.token}`, 'content-type': type },
      body,
    });
  const get = (who: { token: string }, userId: string) =>
    fetch(new URL(`/api/v1/users/${userId}/avatar`, server.url), { headers: { authorization: `Bearer ${who.token}` } });
  const code = async (r: Response) => [r.status, ((await r.json()) as { error: { code: string } }).error.code];

  before(async () => {
    server = await startTestServer();
    alice = await server.user('alice@example.test');
    bob = await server.user('bob@example.test');
    eve = await server.user('eve@other.test');
  });
  after(() => server?.stop());

  test('the user sets it; colleagues get it sandboxed and not sniffed; other tenants do not', async () => {
    const res = await put(alice, PNG, 'image/png');
    assert.equal(res.status, 200);
    const info = (await res.json()) as { sha1: string; contentType: string; size: number };
    assert.deepEqual([info.contentType, info.size], ['image/png', PNG.length]);
    assert.match(info.sha1, /^[0-9a-f]{40}$/);
    const seen = await get(bob, alice.userId);
    assert.equal(seen.status, 200);
    assert.equal(seen.headers.get('content-type'), 'image/png');
    assert.equal(seen.headers.get('content-security-policy'), "sandbox; default-src 'none'");
    assert.equal(seen.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(seen.headers.get('etag'), `"${info.sha1}"`);
    assert.deepEqual(Buffer.from(await seen.arrayBuffer()), PNG);
    assert.deepEqual(await code(await get(eve, alice.userId)), [404, 'PARLEY_ERR_NOT_FOUND']);
    assert.equal((await get({ token: 'nobody' }, alice.userId)).status, 401);
  });

  test('refused: a type that is no raster image, bytes not of the type, too large, empty, no login', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    assert.deepEqual(await code(await put(bob, svg, 'image/svg+xml')), [415, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE']);
    assert.deepEqual(await code(await put(bob, svg, 'image/png')), [400, 'PARLEY_ERR_VALIDATION']);
    assert.deepEqual(await code(await put(bob, Buffer.alloc(0), 'image/png')), [400, 'PARLEY_ERR_VALIDATION']);
    const big = Buffer.concat([PNG, Buffer.alloc(128 * 1024)]);
    assert.deepEqual(await code(await put(bob, big, 'image/png')), [413, 'PARLEY_ERR_BODY_TOO_LARGE']);
    assert.equal((await put({ token: 'nobody' }, PNG, 'image/png')).status, 401);
    assert.deepEqual(await code(await get(alice, bob.userId)), [404, 'PARLEY_ERR_NOT_FOUND']);
  });

  test('removed by the user', async () => {
    const res = await fetch(new URL('/api/v1/me/avatar', server.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    assert.equal(res.status, 204);
    assert.equal((await get(bob, alice.userId)).status, 404);
  });
});
