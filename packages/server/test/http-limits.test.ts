import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventCloseCodes, eventsPath } from '@parley/api';
import WebSocket from 'ws';
import { type Listener, listen } from './support/events.js';
import { assertError, call, sleep } from './support/http.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';

/**
 * Opens an event socket and resolves with its first message (then closes it) or with how it was
 * closed before one; fails after 5 s.
 */
function attempt(url: string, token: string): Promise<{ hello: boolean; code?: number; reason?: string }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${eventsPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('neither a hello nor a close within 30 s'));
    }, 30_000);
    ws.once('error', reject);
    ws.once('message', () => {
      clearTimeout(timer);
      ws.close();
      resolve({ hello: true });
    });
    ws.once('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ hello: false, code, reason: reason.toString() });
    });
  });
}

describe('event sockets per session', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  const open: Listener[] = [];

  before(async () => {
    ({ t, alice, bob } = await startWithPeople());
  });
  after(async () => {
    for (const l of open) l.close();
    await t.stop();
  });

  test('the 11th socket of one session is closed with 4429; other sessions are not affected', async () => {
    assert.equal(t.config.http.maxSocketsPerSession, 10, 'the default');
    for (let i = 0; i < 10; i++) open.push(await listen(t.url, alice.token));
    const eleventh = await attempt(t.url, alice.token);
    assert.equal(eleventh.hello, false);
    assert.equal(eleventh.code, eventCloseCodes.tooManySockets);
    assert.match(eleventh.reason ?? '', /at most 10 event sockets per session/);

    // Bob, and Alice signed in a second time (another session), still connect.
    open.push(await listen(t.url, bob.token));
    const { token } = await t.api.request('auth.login', {
      body: { user: 'alice@example.test', password: alice.password },
    });
    open.push(await listen(t.url, token));
    // The ten first sockets still work.
    const c = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    const sent = await bob.api.request('messages.send', { params: { id: c.id }, body: { text: 'hi', clientId: 'h' } });
    for (const l of open.slice(0, 10)) await l.next('message.created', (e) => e.message.id === sent.id);

    // A closed one makes room again (once the server has seen it close).
    open.shift()?.close();
    const deadline = Date.now() + 30_000;
    while (!(await attempt(t.url, alice.token)).hello) {
      assert.ok(Date.now() < deadline, 'room for a new socket within 30 s');
      await sleep(50);
    }
  });
});

test('a burst of messages over the rate limit gets 429 with Retry-After; after that long sending works', async () => {
  const { t, alice, bob } = await startWithPeople({
    'messaging.rateLimit.burst': 3,
    'messaging.rateLimit.perSecond': 1,
  });
  try {
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const send = (who: Person, clientId: string) =>
      call(t.url, 'POST', `/api/v1/conversations/${c.id}/messages`, {
        token: who.token,
        body: { text: `flood ${clientId}`, clientId },
      });
    for (const i of [1, 2, 3]) assert.equal((await send(alice, `ok-${i}`)).status, 201);
    const limited = await send(alice, 'over');
    const error = assertError(limited, 429, 'PARLEY_ERR_TOO_MANY_REQUESTS');
    assert.match(error.message, /at most 3 at once and 1 per second/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After ${retryAfter}`);
    // A retry of a message already sent is answered, not counted; another user is not affected.
    assert.equal((await send(alice, 'ok-1')).status, 201);
    assert.equal((await send(bob, 'bob-1')).status, 201);

    await sleep(retryAfter * 1000);
    assert.equal((await send(alice, 'after-wait')).status, 201, 'sending works again after Retry-After');
  } finally {
    await t.stop();
  }
});
