import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.stop());

test('a user signs in and reads /me', async () => {
  const alice = await t.user('alice@example.test');
  const me = await alice.api.request('me.get', {});
  assert.equal(me.address, 'alice@example.test');
  assert.equal(me.role, 'user');
});
