// What a client needs besides the message stream: the newest message of each conversation (the
// list's preview) and the changes to older messages it missed while away (edits, deletions,
// reactions), by cursor.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message } from '@parley/api';
import { assertError, call } from './support/http.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';

describe('conversation previews and the changes since a cursor', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let mallory: Person;

  before(async () => {
    ({ t, alice, bob, carol, mallory } = await startWithPeople());
  });
  after(() => t.stop());

  const send = (p: Person, id: string, text: string, clientId: string) =>
    p.api.request('messages.send', { params: { id }, body: { text, clientId } });

  /** Every change since `since`, page by page (`limit` per page). */
  async function allChanges(p: Person, since: string, limit = 200) {
    const seen: Message[] = [];
    let cursor = since;
    for (let pages = 1; ; pages++) {
      const page = await p.api.request('messages.changes', { query: { since: cursor, limit } });
      assert.ok(page.messages.length <= limit);
      seen.push(...page.messages);
      cursor = page.cursor;
      if (!page.hasMore) return { messages: seen, cursor, pages };
      assert.ok(pages < 50, 'paging ends');
    }
  }

  test('each conversation carries its newest message: null when empty, edits and deletion show', async () => {
    const empty = await alice.api.request('conversations.create', {
      body: { members: ['bob@example.test', 'carol@example.test'], name: 'Quiet' },
    });
    assert.equal(empty.lastMessage, null);
    assert.equal((await carol.api.request('conversations.get', { params: { id: empty.id } })).lastMessage, null);
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    await send(alice, c.id, 'first', 'p-1');
    const second = await send(bob, c.id, 'second', 'p-2');

    const { conversations } = await alice.api.request('conversations.list', { query: {} });
    assert.equal(conversations.find((x) => x.id === empty.id)?.lastMessage, null);
    assert.deepEqual(conversations.find((x) => x.id === c.id)?.lastMessage, second);
    assert.deepEqual((await bob.api.request('conversations.get', { params: { id: c.id } })).lastMessage, second);

    await bob.api.request('messages.edit', { params: { id: c.id, messageId: second.id }, body: { text: 'second!' } });
    const edited = await alice.api.request('conversations.get', { params: { id: c.id } });
    assert.equal(edited.lastMessage?.text, 'second!');
    assert.ok(edited.lastMessage?.editedAt);

    await bob.api.request('messages.delete', { params: { id: c.id, messageId: second.id } });
    const gone = (await alice.api.request('conversations.list', { query: {} })).conversations.find(
      (x) => x.id === c.id,
    );
    assert.equal(gone?.lastMessage?.id, second.id, 'the tombstone is the newest message');
    assert.ok(gone?.lastMessage?.deletedAt);
    assert.equal(gone?.lastMessage?.text, '');

    // Another tenant's user sees none of it.
    assert.deepEqual((await mallory.api.request('conversations.list', { query: {} })).conversations, []);
  });

  test('edits, deletions and reactions since a cursor, in pages, only in your current conversations', async () => {
    // People of their own: the cursor overlaps the last seconds, which hold the other tests' changes.
    const dave = await t.user('dave@example.test');
    const erin = await t.user('erin@example.test');
    const frank = await t.user('frank@example.test');
    const c = await dave.api.request('conversations.create', { body: { members: ['erin@example.test'] } });
    const group = await dave.api.request('conversations.create', {
      body: { members: ['erin@example.test', 'frank@example.test'], name: 'Team' },
    });
    const m1 = await send(dave, c.id, 'one', 'c-1');
    const m2 = await send(erin, c.id, 'two', 'c-2');
    const m3 = await send(dave, c.id, 'three', 'c-3');
    const g1 = await send(frank, group.id, 'group hello', 'g-1');
    const untouched = await send(dave, c.id, 'four', 'c-4');

    // Erin loads his messages now; his starting point is a cursor without changes.
    const start = await erin.api.request('messages.changes', { query: {} });
    assert.deepEqual(start.messages, []);
    assert.equal(start.hasMore, false);
    assert.equal((await allChanges(erin, start.cursor)).messages.length, 0, 'new messages are not changes');

    // Erin is away; dave edits, reacts, deletes; frank reacts in the group; dave reacts and takes it back.
    await dave.api.request('messages.edit', { params: { id: c.id, messageId: m1.id }, body: { text: 'one (fixed)' } });
    await dave.api.request('messages.react', { params: { id: c.id, messageId: m2.id, emoji: '👍' } });
    await dave.api.request('messages.delete', { params: { id: c.id, messageId: m3.id } });
    await frank.api.request('messages.react', { params: { id: group.id, messageId: g1.id, emoji: '🎉' } });
    await dave.api.request('messages.react', { params: { id: c.id, messageId: untouched.id, emoji: '👀' } });
    await dave.api.request('messages.unreact', { params: { id: c.id, messageId: untouched.id, emoji: '👀' } });

    const { messages } = await allChanges(erin, start.cursor);
    const byId = new Map(messages.map((m) => [m.id, m]));
    assert.equal(byId.size, messages.length, 'each changed message once per catch-up');
    assert.deepEqual([...byId.keys()].sort(), [m1.id, m2.id, m3.id, g1.id, untouched.id].sort());
    assert.equal(byId.get(m1.id)?.text, 'one (fixed)');
    assert.deepEqual(byId.get(m2.id)?.reactions, [{ emoji: '👍', userIds: [dave.userId] }]);
    assert.ok(byId.get(m3.id)?.deletedAt);
    assert.deepEqual(byId.get(g1.id)?.reactions, [{ emoji: '🎉', userIds: [frank.userId] }]);
    assert.deepEqual(byId.get(untouched.id)?.reactions, [], 'a reaction taken back is a change too');
    assert.deepEqual(
      messages.map((m) => m.id),
      [m1.id, m2.id, m3.id, g1.id, untouched.id],
      'oldest change first',
    );

    // One per page: the same changes, none twice, none skipped.
    const paged = await allChanges(erin, start.cursor, 1);
    assert.deepEqual(
      paged.messages.map((m) => m.id),
      messages.map((m) => m.id),
    );
    assert.ok(paged.pages >= 5);

    // The last cursor overlaps the recent past (a late commit is found next time): asking again
    // repeats these changes, which a client merges by id.
    const again = await allChanges(erin, paged.cursor);
    assert.deepEqual(
      again.messages.map((m) => m.id),
      messages.map((m) => m.id),
    );

    // Only conversations one is a member of now: frank sees the group's change, not the 1:1's;
    // once he has left the group, not even that; another tenant sees nothing.
    assert.deepEqual(
      (await allChanges(frank, start.cursor)).messages.map((m) => m.id),
      [g1.id],
    );
    await frank.api.request('conversations.leave', { params: { id: group.id } });
    assert.deepEqual((await allChanges(frank, start.cursor)).messages, []);
    assert.deepEqual((await allChanges(mallory, start.cursor)).messages, []);
  });

  test('a cursor that is not one of ours is refused', async () => {
    for (const since of ['yesterday', '12.a b', '-5', `1.${'x'.repeat(65)}`]) {
      const res = await call(t.url, 'GET', `/api/v1/messages/changes?since=${encodeURIComponent(since)}`, {
        token: bob.token,
      });
      assertError(res, 400, 'PARLEY_ERR_VALIDATION');
    }
    assertError(await call(t.url, 'GET', '/api/v1/messages/changes'), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  });
});
