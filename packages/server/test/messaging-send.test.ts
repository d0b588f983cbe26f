import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FeatureHost } from '../src/core/feature.js';
import type { Core } from '../src/core/index.js';
import type { Caller } from '../src/core/messaging/conversations.js';
import { readCacheInvalidation } from '../src/core/read-cache-feature.js';
import { closeCore } from '../src/create-server.js';
import { twoCores } from './support/two-cores.js';
import { eventually } from './support/xmpp-modules.js';

// What a send keeps of a conversation per node (`core/messaging/send-views.ts`) and the shared
// commit of sends that queue (`core/group-commit.ts`). Node A caches; node B (a second core over
// the same store and bus) changes the members. The clock stands still, so no view grows too old:
// only the membership version and the events can make A read again.

describe('sending: per-node views of the members, shared commits', () => {
  let a: Core;
  let b: Core;
  let host: FeatureHost | undefined;
  let dir: string;
  let tenantId: string;
  const users: Record<string, Caller> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-send-'));
    ({ a, b } = await twoCores(dir));
    tenantId = (await a.tenants.create({ domain: 'send.test' })).id;
    for (const local of ['alice', 'bob', 'carol', 'dave', 'erin']) {
      const { user } = await a.users.create(tenantId, { local, password: 'secret-password' });
      users[local] = { tenantId, userId: user.id };
    }
  });
  after(async () => {
    await host?.stop();
    await closeCore(a);
    rmSync(dir, { recursive: true, force: true });
  });

  const who = (name: string) => users[name] as Caller;
  /** The ids of the users a `message.created` of `conversationId` reaches, as they arrive. */
  const recipients = (conversationId: string) => {
    const got = new Map<string, string[]>();
    const off = a.ctx.bus.subscribe('message.created', (e) => {
      if (e.conversationId === conversationId) got.set(e.message.text, [...(got.get(e.message.text) ?? []), e.userId]);
    });
    return { got, off };
  };

  test('a member removed on another node cannot post from a view kept before, and a member added gets the next message', async () => {
    const group = await a.messaging.conversations.create(who('alice'), {
      members: ['bob@send.test', 'carol@send.test'],
      kind: 'group',
      name: 'team',
    });
    const { got, off } = recipients(group.id);
    // Every member's view is kept on A.
    for (const name of ['alice', 'bob', 'carol'])
      await a.messaging.send(who(name), group.id, { text: `hi from ${name}`, clientId: `1-${name}` });

    // On B (no event reaches A's views: no invalidation runs on A yet).
    await b.messaging.conversations.removeMember(who('alice'), group.id, who('bob').userId);
    await b.messaging.conversations.addMembers(who('alice'), group.id, ['dave@send.test']);

    await assert.rejects(
      a.messaging.send(who('bob'), group.id, { text: 'still here?', clientId: '2-bob' }),
      (err: { code?: string }) => err.code === 'PARLEY_ERR_FORBIDDEN',
    );
    const sent = await a.messaging.send(who('carol'), group.id, { text: 'welcome', clientId: '2-carol' });
    await eventually(() => got.get('welcome')?.length === 3, 'the message reaches the members');
    assert.deepEqual(
      new Set(got.get('welcome')),
      new Set([who('alice').userId, who('carol').userId, who('dave').userId]),
      'dave gets it, bob does not',
    );
    const history = await a.messaging.history(who('dave'), group.id, { limit: 10 });
    assert.deepEqual(history.messages.map((m) => m.text).reverse(), [
      'hi from alice',
      'hi from bob',
      'hi from carol',
      'welcome',
    ]);
    assert.equal(sent.seq, 4, 'the refused send took no sequence number');
    off();
  });

  test("the membership events drop another node's views before any send looks", async () => {
    host = new FeatureHost(a);
    await host.start([readCacheInvalidation]);
    const group = await a.messaging.conversations.create(who('alice'), {
      members: ['erin@send.test'],
      kind: 'group',
      name: 'pair',
    });
    const views = a.messaging.sender.views;
    assert.equal((await views.access(who('erin'), group.id)).members.length, 2);
    await b.messaging.conversations.removeMember(who('alice'), group.id, who('erin').userId);
    await eventually(
      () =>
        views.access(who('erin'), group.id).then(
          () => false,
          (err: { code?: string }) => err.code === 'PARLEY_ERR_FORBIDDEN',
        ),
      'erin is gone from the view',
    );
    await b.messaging.conversations.addMembers(who('alice'), group.id, ['carol@send.test']);
    await eventually(
      async () => (await views.access(who('alice'), group.id)).members.some((m) => m.userId === who('carol').userId),
      'carol is in the view',
    );
  });

  test('a 1:1 started on both nodes at once is one conversation, which `create` then finds too', async () => {
    const announced: string[] = [];
    const off = a.ctx.bus.subscribe('conversation.updated', (e) => {
      if (e.conversation.pairKey !== null) announced.push(e.userId);
    });
    const ids = await Promise.all([
      a.messaging.conversations.direct(who('carol'), who('dave').userId),
      b.messaging.conversations.direct(who('dave'), who('carol').userId),
      a.messaging.conversations.direct(who('dave'), who('carol').userId),
    ]);
    assert.equal(new Set(ids).size, 1, `one conversation: ${ids.join(', ')}`);
    const made = await a.messaging.conversations.create(who('carol'), { members: ['dave@send.test'] });
    assert.equal(made.id, ids[0]);
    assert.deepEqual(made.members.map((m) => m.address).sort(), ['carol@send.test', 'dave@send.test']);
    const listed = await a.messaging.conversations.list(who('dave'));
    assert.equal(listed.filter((c) => c.id === made.id).length, 1);
    // The one insert that won told both members, once each (announced before `direct` returned).
    await eventually(() => announced.length >= 2, 'both members are told of the new 1:1');
    assert.deepEqual(announced.sort(), [who('carol').userId, who('dave').userId].sort());
    off();
  });

  test('sends that queue share a commit; one that fails is rolled back alone, the others keep theirs', async () => {
    const direct = await a.messaging.conversations.create(who('alice'), { members: ['bob@send.test'], kind: 'direct' });
    const texts = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const outcomes = await Promise.allSettled(
      texts.map((text, i) =>
        a.messaging.send(who(i % 2 ? 'bob' : 'alice'), direct.id, {
          text,
          clientId: text,
          // Not an upload of the sender's: refused in the transaction, after its sequence number and row.
          ...(i === 4 && { attachments: ['no-such-upload'] }),
        }),
      ),
    );
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    assert.deepEqual(failed, [4]);
    assert.equal((outcomes[4] as PromiseRejectedResult).reason.code, 'PARLEY_ERR_VALIDATION');
    const history = await a.messaging.history(who('alice'), direct.id, { limit: 20 });
    assert.deepEqual(
      history.messages.map((m) => [m.seq, m.text]).reverse(),
      texts.filter((_, i) => i !== 4).map((text, i) => [i + 1, text]),
    );
    // A retry of one that went through is the same message.
    const again = await a.messaging.send(who('alice'), direct.id, { text: 'm0', clientId: 'm0' });
    assert.equal(again.seq, 1);
  });
});
