import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen } from './support/events.js';
import { sleep } from './support/http.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';

describe('messaging over HTTP and the event socket', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let mallory: Person;

  before(async () => {
    ({ t, alice, bob, carol, mallory } = await startWithPeople());
  });
  after(() => t.stop());

  test('a 1:1 is created once per pair, from either side', async () => {
    const first = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    assert.equal(first.kind, 'direct');
    assert.deepEqual(first.members.map((m) => m.address).sort(), ['alice@example.test', 'bob@example.test']);
    const again = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const fromBob = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    assert.equal(again.id, first.id);
    assert.equal(fromBob.id, first.id);
  });

  test('send is acknowledged with the stored message and delivered live to the other member only', async () => {
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const bobSocket = await listen(t.url, bob.token);
    const carolSocket = await listen(t.url, carol.token);
    try {
      const sent = await alice.api.request('messages.send', {
        params: { id: c.id },
        body: { text: 'Hi Bob', clientId: 'c-1' },
      });
      assert.equal(sent.text, 'Hi Bob');
      assert.equal(sent.sender, 'alice@example.test');
      const live = await bobSocket.next('message.created', (e) => e.message.id === sent.id);
      assert.deepEqual(live.message, sent);
      assert.equal(live.conversationId, c.id);

      // The same clientId again: the same message, no second one, no second event.
      const retry = await alice.api.request('messages.send', {
        params: { id: c.id },
        body: { text: 'Hi Bob', clientId: 'c-1' },
      });
      assert.deepEqual(retry, sent);
      const history = await bob.api.request('messages.list', { params: { id: c.id }, query: {} });
      assert.equal(history.messages.filter((m) => m.clientId === 'c-1').length, 1);
      await sleep(100);
      assert.equal(bobSocket.received.filter((e) => e.type === 'message.created').length, 1);
      assert.equal(carolSocket.received.filter((e) => e.type === 'message.created').length, 0);

      await bob.api.request('conversations.typing', { params: { id: c.id }, body: { typing: true } });
      const aliceSocket = await listen(t.url, alice.token);
      await bob.api.request('conversations.typing', { params: { id: c.id }, body: { typing: false } });
      const typing = await aliceSocket.next('typing');
      assert.equal(typing.user, 'bob@example.test');
      assert.equal(typing.typing, false);
      aliceSocket.close();
    } finally {
      bobSocket.close();
      carolSocket.close();
    }
  });

  test('an offline user catches up on reconnect: unread counts, messages after their sequence, no duplicates', async () => {
    const group = await alice.api.request('conversations.create', {
      body: { members: ['bob@example.test', 'carol@example.test'], name: 'Launch' },
    });
    assert.equal(group.kind, 'group');
    assert.equal(group.role, 'owner');
    await bob.api.request('messages.send', { params: { id: group.id }, body: { text: 'seen', clientId: 'b-1' } });
    const start = await carol.api.request('conversations.get', { params: { id: group.id } });
    await carol.api.request('conversations.receipts', { params: { id: group.id }, body: { readSeq: start.lastSeq } });
    // Carol is offline now; three messages arrive.
    for (const n of [1, 2, 3]) {
      await alice.api.request('messages.send', {
        params: { id: group.id },
        body: { text: `news ${n}`, clientId: `n-${n}` },
      });
    }
    const { conversations } = await carol.api.request('conversations.list', { query: {} });
    const mine = conversations.find((x) => x.id === group.id);
    assert.equal(mine?.unread, 3);
    assert.equal(mine?.readSeq, 1);
    const page = await carol.api.request('messages.list', {
      params: { id: group.id },
      query: { after: mine?.readSeq ?? 0, limit: 2 },
    });
    assert.deepEqual(
      page.messages.map((m) => m.text),
      ['news 1', 'news 2'],
    );
    assert.equal(page.hasMore, true);
    const rest = await carol.api.request('messages.list', {
      params: { id: group.id },
      query: { after: page.messages.at(-1)?.seq ?? 0 },
    });
    assert.deepEqual(
      rest.messages.map((m) => m.text),
      ['news 3'],
    );
    assert.equal(rest.hasMore, false);

    const aliceSocket = await listen(t.url, alice.token);
    try {
      const last = rest.messages[0]?.seq ?? 0;
      const r = await carol.api.request('conversations.receipts', {
        params: { id: group.id },
        body: { readSeq: last + 10 },
      });
      assert.deepEqual(r, { deliveredSeq: last, readSeq: last }, 'clamped to the newest message');
      const receipt = await aliceSocket.next('receipt', (e) => e.user === 'carol@example.test');
      assert.equal(receipt.readSeq, last);
      const after = await carol.api.request('conversations.get', { params: { id: group.id } });
      assert.equal(after.unread, 0);
    } finally {
      aliceSocket.close();
    }

    // Newest first, then older pages by `before`.
    const newest = await carol.api.request('messages.list', { params: { id: group.id }, query: { limit: 2 } });
    assert.deepEqual(
      newest.messages.map((m) => m.text),
      ['news 3', 'news 2'],
    );
    const older = await carol.api.request('messages.list', {
      params: { id: group.id },
      query: { before: newest.messages[1]?.seq ?? 0, limit: 2 },
    });
    assert.deepEqual(
      older.messages.map((m) => m.text),
      ['news 1', 'seen'],
    );
  });

  test('replies, edits, reactions and deletion reach members as message.updated', async () => {
    const c = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const original = await bob.api.request('messages.send', {
      params: { id: c.id },
      body: { text: 'lunch?', clientId: 'l-1' },
    });
    const reply = await alice.api.request('messages.send', {
      params: { id: c.id },
      body: { text: 'yes, noon', clientId: 'l-2', replyTo: original.id },
    });
    assert.equal(reply.replyTo, original.id);
    const bobSocket = await listen(t.url, bob.token);
    try {
      const edited = await alice.api.request('messages.edit', {
        params: { id: c.id, messageId: reply.id },
        body: { text: 'yes, 12:30' },
      });
      assert.ok(edited.editedAt);
      assert.equal((await bobSocket.next('message.updated')).message.text, 'yes, 12:30');
      const reacted = await bob.api.request('messages.react', {
        params: { id: c.id, messageId: reply.id, emoji: '👍' },
      });
      assert.deepEqual(reacted.reactions, [{ emoji: '👍', userIds: [bob.userId] }]);
      await assert.rejects(
        bob.api.request('messages.edit', { params: { id: c.id, messageId: reply.id }, body: { text: 'hijack' } }),
        { status: 403 },
      );
      const deleted = await alice.api.request('messages.delete', { params: { id: c.id, messageId: reply.id } });
      assert.ok(deleted.deletedAt);
      assert.equal(deleted.text, '');
      assert.deepEqual(deleted.reactions, []);
      await bobSocket.next('message.updated', (e) => e.message.deletedAt !== null);
      const history = await bob.api.request('messages.list', { params: { id: c.id }, query: {} });
      assert.equal(history.messages.find((m) => m.id === reply.id)?.deletedAt, deleted.deletedAt, 'tombstone stays');
    } finally {
      bobSocket.close();
    }
  });

  test('search finds only messages in your own conversations', async () => {
    const ab = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const bc = await bob.api.request('conversations.create', { body: { members: ['carol@example.test'] } });
    await alice.api.request('messages.send', {
      params: { id: ab.id },
      body: { text: 'the zebra report', clientId: 's-1' },
    });
    await bob.api.request('messages.send', { params: { id: bc.id }, body: { text: 'zebra secrets', clientId: 's-2' } });
    const a = await alice.api.request('messages.search', { query: { q: 'Zebra' } });
    assert.deepEqual(
      a.messages.map((m) => m.text),
      ['the zebra report'],
    );
    const b = await bob.api.request('messages.search', { query: { q: 'zebra' } });
    assert.equal(b.messages.length, 2);
    const m = await mallory.api.request('messages.search', { query: { q: 'zebra' } });
    assert.deepEqual(m.messages, []);
  });

  test('group roles: members cannot manage, owners can; the last owner leaving hands over', async () => {
    const g = await alice.api.request('conversations.create', {
      body: { members: ['bob@example.test'], name: 'Ops', kind: 'group' },
    });
    await assert.rejects(bob.api.request('conversations.update', { params: { id: g.id }, body: { topic: 'x' } }), {
      status: 403,
    });
    await assert.rejects(
      bob.api.request('conversations.members.add', { params: { id: g.id }, body: { members: ['carol@example.test'] } }),
      { status: 403 },
    );
    const carolSocket = await listen(t.url, carol.token);
    try {
      const added = await alice.api.request('conversations.members.add', {
        params: { id: g.id },
        body: { members: ['carol@example.test'] },
      });
      assert.equal(added.members.length, 3);
      const note = await carolSocket.next('conversation.updated', (e) => e.conversation.id === g.id);
      assert.equal(note.conversation.name, 'Ops');
      const renamed = await alice.api.request('conversations.update', {
        params: { id: g.id },
        body: { name: 'Operations', topic: 'pager duty' },
      });
      assert.equal(renamed.topic, 'pager duty');
      await alice.api.request('conversations.members.role', {
        params: { id: g.id, userId: bob.userId },
        body: { role: 'admin' },
      });
      await alice.api.request('conversations.members.remove', { params: { id: g.id, userId: carol.userId } });
      await carolSocket.next('conversation.removed', (e) => e.conversationId === g.id);
      await assert.rejects(carol.api.request('conversations.get', { params: { id: g.id } }), { status: 403 });
    } finally {
      carolSocket.close();
    }
    await alice.api.request('conversations.leave', { params: { id: g.id } });
    const now = await bob.api.request('conversations.get', { params: { id: g.id } });
    assert.equal(now.role, 'owner', 'the admin took over');
    assert.deepEqual(
      now.members.map((m) => m.address),
      ['bob@example.test'],
    );
  });
});
