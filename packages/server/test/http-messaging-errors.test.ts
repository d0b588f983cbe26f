import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

type Person = Awaited<ReturnType<TestServer['user']>>;

describe('messaging: bad input, isolation and attachments', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let mallory: Person;
  let direct: string;
  let group: string;

  before(async () => {
    t = await startTestServer({
      'messaging.maxMessageLength': 100,
      'messaging.attachments.maxBytes': 1024,
      'messaging.attachments.types': ['image/png', 'text/plain'],
    });
    alice = await t.user('alice@example.test');
    bob = await t.user('bob@example.test');
    carol = await t.user('carol@example.test');
    mallory = await t.user('mallory@other.test');
    direct = (await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } })).id;
    group = (
      await alice.api.request('conversations.create', {
        body: { members: ['bob@example.test', 'carol@example.test'], name: 'G' },
      })
    ).id;
    await alice.api.request('messages.send', { params: { id: direct }, body: { text: 'first', clientId: 'x-0' } });
  });
  after(() => t.stop());

  const lastSeq = async (id: string) => (await alice.api.request('conversations.get', { params: { id } })).lastSeq;

  test('an oversized message is 413 and stores nothing', async () => {
    const before = await lastSeq(direct);
    const res = await call(t.url, 'POST', `/api/v1/conversations/${direct}/messages`, {
      token: alice.token,
      body: { text: 'x'.repeat(101), clientId: 'big' },
    });
    const err = assertError(res, 413, 'PARLEY_ERR_BODY_TOO_LARGE');
    assert.match(err.message, /at most 100/);
    assert.equal(await lastSeq(direct), before);
    const empty = await call(t.url, 'POST', `/api/v1/conversations/${direct}/messages`, {
      token: alice.token,
      body: { text: '  ', clientId: 'empty' },
    });
    assertError(empty, 400, 'PARLEY_ERR_VALIDATION');
    assert.equal(await lastSeq(direct), before);
  });

  test('unknown, foreign-tenant and not-my conversations are all 404', async () => {
    for (const [who, id] of [
      [alice, 'no-such-conversation'],
      [mallory, direct],
      [carol, direct],
    ] as const) {
      assertError(
        await call(t.url, 'GET', `/api/v1/conversations/${id}/messages`, { token: who.token }),
        404,
        'PARLEY_ERR_NOT_FOUND',
      );
      const post = await call(t.url, 'POST', `/api/v1/conversations/${id}/messages`, {
        token: who.token,
        body: { text: 'hello?', clientId: 'probe' },
      });
      assertError(post, 404, 'PARLEY_ERR_NOT_FOUND');
    }
    const list = await mallory.api.request('conversations.list', { query: {} });
    assert.deepEqual(list.conversations, []);
  });

  test('members must be users of your own tenant', async () => {
    const res = await call(t.url, 'POST', '/api/v1/conversations', {
      token: alice.token,
      body: { members: ['mallory@other.test'] },
    });
    const err = assertError(res, 400, 'PARLEY_ERR_VALIDATION');
    assert.equal(err.details?.[0]?.path, 'members.0');
    const none = await call(t.url, 'POST', '/api/v1/conversations', {
      token: mallory.token,
      body: { members: ['alice@example.test'] },
    });
    assertError(none, 400, 'PARLEY_ERR_VALIDATION');
  });

  test('posting into a conversation you left is 403 and changes nothing', async () => {
    const g = (
      await alice.api.request('conversations.create', { body: { members: ['bob@example.test'], kind: 'group' } })
    ).id;
    await bob.api.request('conversations.leave', { params: { id: g } });
    const before = await lastSeq(g);
    const res = await call(t.url, 'POST', `/api/v1/conversations/${g}/messages`, {
      token: bob.token,
      body: { text: 'still here?', clientId: 'ghost' },
    });
    assertError(res, 403, 'PARLEY_ERR_FORBIDDEN');
    assert.equal(await lastSeq(g), before);
    const leaveDirect = await call(t.url, 'POST', `/api/v1/conversations/${direct}/leave`, { token: bob.token });
    assertError(leaveDirect, 403, 'PARLEY_ERR_FORBIDDEN');
  });

  test('the same clientId sent concurrently yields one message', async () => {
    const before = await lastSeq(direct);
    const sends = await Promise.all(
      [1, 2, 3, 4].map(() =>
        alice.api.request('messages.send', { params: { id: direct }, body: { text: 'once', clientId: 'race' } }),
      ),
    );
    assert.equal(new Set(sends.map((m) => m.id)).size, 1);
    assert.equal(await lastSeq(direct), before + 1);
  });

  const upload = (token: string, id: string, type: string, bytes: Buffer, name = 'pic.png') =>
    fetch(new URL(`/api/v1/conversations/${id}/attachments?name=${encodeURIComponent(name)}`, t.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: bytes,
    });

  test('attachments: upload, send with a message, download by members only', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const res = await upload(alice.token, group, 'image/png', bytes, 'chart é.png');
    assert.equal(res.status, 201, await res.clone().text());
    const info = (await res.json()) as { id: string; url: string; size: number; name: string };
    assert.equal(info.size, bytes.length);
    assert.equal(info.name, 'chart é.png');
    // Not sent yet: only the uploader sees it.
    assert.equal(
      (await fetch(new URL(info.url, t.url), { headers: { authorization: `Bearer ${bob.token}` } })).status,
      404,
    );
    const m = await alice.api.request('messages.send', {
      params: { id: group },
      body: { text: '', clientId: 'with-file', attachments: [info.id] },
    });
    assert.deepEqual(
      m.attachments.map((a) => a.id),
      [info.id],
    );
    const got = await fetch(new URL(info.url, t.url), { headers: { authorization: `Bearer ${bob.token}` } });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    for (const who of [mallory, carol]) {
      if (who === carol) await carol.api.request('conversations.leave', { params: { id: group } });
      const denied = await fetch(new URL(info.url, t.url), { headers: { authorization: `Bearer ${who.token}` } });
      assert.equal(denied.status, 404);
    }
    assert.equal((await fetch(new URL(info.url, t.url))).status, 401);
    // Someone else's upload cannot be attached.
    const other = (await (await upload(bob.token, group, 'text/plain', Buffer.from('notes'))).json()) as { id: string };
    const steal = await call(t.url, 'POST', `/api/v1/conversations/${group}/messages`, {
      token: alice.token,
      body: { text: 'mine now', clientId: 'steal', attachments: [other.id] },
    });
    assertError(steal, 400, 'PARLEY_ERR_VALIDATION');
  });

  test('attachments of a wrong type are 415, too large 413, and nothing is stored', async () => {
    const before = await lastSeq(group);
    const wrong = await upload(alice.token, group, 'application/x-msdownload', Buffer.from('MZ'));
    assert.equal(wrong.status, 415);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE');
    const big = await upload(alice.token, group, 'image/png', Buffer.alloc(2048, 1));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'PARLEY_ERR_BODY_TOO_LARGE');
    const foreign = await upload(mallory.token, group, 'image/png', Buffer.from('x'));
    assert.equal(foreign.status, 404);
    assert.equal(await lastSeq(group), before);
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files = readdirSync(join(t.dataDir, 'attachments', alice.tenantId));
    assert.equal(files.length, 2, `only the two accepted uploads are on disk: ${files.join(', ')}`);
    assert.ok(files.every((f) => !f.endsWith('.part')));
  });
});
