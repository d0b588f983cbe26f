import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Conversation, Message } from '../../src/core/messaging/model.js';
import { pairKey } from '../../src/core/messaging/model.js';
import type { Store } from '../../src/core/store.js';
import type { Tenant } from '../../src/core/tenants/model.js';
import type { User } from '../../src/core/users/model.js';
import { isUniqueViolation } from '../../src/platform/store/errors.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

const conv = (tenantId: string, extra: Partial<Conversation> = {}): Conversation => ({
  id: randomUUID(),
  tenantId,
  kind: 'group',
  pairKey: null,
  name: 'team',
  topic: null,
  external: null,
  externalReceipt: null,
  room: null,
  locked: false,
  createdBy: 'x',
  lastSeq: 0,
  createdAt: T0,
  updatedAt: T0,
  ...extra,
});

/** The messaging repositories' contract, run on every store engine. */
export function messagingStoreContract(engine: string, open: StoreFactory): void {
  describe(`messaging store contract (${engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;
    let alice: User;
    let bob: User;
    let carol: User;
    let eve: User;

    before(async () => {
      ({ store, close, a, b, alice, bob, carol, eve } = await seededStore(open, ['a.test', 'b.test']));
    });
    after(() => close());

    async function send(
      c: Conversation,
      sender: User,
      text: string,
      clientId: string = randomUUID(),
    ): Promise<Message> {
      return store.transaction(async (r) => {
        const next = await r.conversations.nextSeq(c.tenantId, c.id, T0 + 10);
        assert.ok(next, 'the conversation is there');
        const { seq } = next;
        const m: Message = {
          id: randomUUID(),
          tenantId: c.tenantId,
          conversationId: c.id,
          seq,
          senderId: sender.id,
          externalSender: null,
          clientId,
          text,
          replyTo: null,
          createdAt: T0 + seq,
          editedAt: null,
          deletedAt: null,
        };
        await r.messages.insert(m);
        return m;
      });
    }

    test('one 1:1 per pair; members carry address and role', async () => {
      const key = pairKey(alice.id, bob.id);
      const c = conv(a.id, { kind: 'direct', pairKey: key, name: null, createdBy: alice.id });
      await store.repos.conversations.insert(c, [
        { userId: alice.id, role: 'member' },
        { userId: bob.id, role: 'member' },
      ]);
      assert.equal((await store.repos.conversations.byPair(a.id, pairKey(bob.id, alice.id)))?.id, c.id);
      assert.equal(await store.repos.conversations.byPair(b.id, key), undefined);
      await assert.rejects(store.repos.conversations.insert(conv(a.id, { kind: 'direct', pairKey: key }), []), (err) =>
        isUniqueViolation(err),
      );
      const members = await store.repos.conversations.members(a.id, c.id);
      assert.deepEqual(members.map((m) => m.address).sort(), ['alice@a.test', 'bob@a.test']);
      assert.deepEqual(await store.repos.conversations.members(b.id, c.id), []);
    });

    test('a room name names one group per tenant, until it is cleared', async () => {
      const c = conv(a.id, { room: 'team', createdBy: alice.id });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'owner' }]);
      assert.equal((await store.repos.conversations.byRoom(a.id, 'team'))?.id, c.id);
      assert.equal(await store.repos.conversations.byRoom(b.id, 'team'), undefined);
      await assert.rejects(store.repos.conversations.insert(conv(a.id, { room: 'team' }), []), (err) =>
        isUniqueViolation(err),
      );
      await store.repos.conversations.insert(conv(b.id, { room: 'team', createdBy: eve.id }), []);
      // Groups without a room name are many.
      await store.repos.conversations.insert(conv(a.id), []);
      await store.repos.conversations.update(a.id, c.id, { room: null }, T0 + 1);
      assert.equal(await store.repos.conversations.byRoom(a.id, 'team'), undefined);
      await store.repos.conversations.insert(conv(a.id, { room: 'team' }), []);
    });

    test('every change of who is a member counts the membership version up; a sequence number comes with it', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'owner' }]);
      const version = async () => (await store.repos.conversations.versioned(a.id, c.id))?.version;
      const v0 = await version();
      assert.equal(typeof v0, 'number');
      await store.repos.conversations.addMember(a.id, c.id, bob.id, 'member', T0 + 1);
      const v1 = await version();
      assert.ok((v1 as number) > (v0 as number), 'a member added');
      await store.repos.conversations.setRole(a.id, c.id, bob.id, 'admin');
      assert.equal(await version(), v1, 'a role is not membership');
      assert.equal(await store.repos.conversations.leave(a.id, c.id, bob.id, T0 + 2), true);
      const v2 = await version();
      assert.ok((v2 as number) > (v1 as number), 'a member gone');
      assert.equal(await store.repos.conversations.leave(a.id, c.id, bob.id, T0 + 3), false);
      assert.equal(await version(), v2, 'leaving twice changes nothing');
      const next = await store.transaction((r) => r.conversations.nextSeq(a.id, c.id, T0 + 4));
      assert.deepEqual(next, { seq: 1, version: v2 });
      assert.equal(await store.transaction((r) => r.conversations.nextSeq(b.id, c.id, T0 + 4)), undefined);
    });

    test('sequences, idempotency keys, history pages in both directions', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      await store.repos.conversations.insert(c, [
        { userId: alice.id, role: 'owner' },
        { userId: bob.id, role: 'member' },
      ]);
      const sent: Message[] = [];
      for (let i = 1; i <= 5; i++) sent.push(await send(c, i % 2 ? alice : bob, `hello ${i}`, `k${i}`));
      assert.deepEqual(
        sent.map((m) => m.seq),
        [1, 2, 3, 4, 5],
      );
      assert.equal((await store.repos.conversations.get(a.id, c.id))?.lastSeq, 5);
      assert.deepEqual(await store.repos.messages.byClientId(a.id, c.id, alice.id, 'k1'), sent[0]);
      assert.equal(await store.repos.messages.byClientId(a.id, c.id, bob.id, 'k1'), undefined);
      assert.equal(await store.repos.messages.byClientId(b.id, c.id, alice.id, 'k1'), undefined);
      await assert.rejects(send(c, alice, 'again', 'k1'), (err) => isUniqueViolation(err));
      assert.equal((await store.repos.conversations.get(a.id, c.id))?.lastSeq, 5, 'failed send rolled back');
      const h = (q: { before?: number; after?: number; start?: number; end?: number; limit: number }) =>
        store.repos.messages.history(a.id, c.id, q).then((ms) => ms.map((m) => m.seq));
      assert.deepEqual(await h({ limit: 2 }), [5, 4]);
      assert.deepEqual(await h({ before: 4, limit: 2 }), [3, 2]);
      assert.deepEqual(await h({ after: 3, limit: 10 }), [4, 5]);
      // A time range (message n was created at T0 + n), inclusive at both ends.
      assert.deepEqual(await h({ start: T0 + 2, end: T0 + 4, limit: 10 }), [4, 3, 2]);
      assert.deepEqual(await h({ after: 1, start: T0 + 3, limit: 10 }), [3, 4, 5]);
      assert.deepEqual(await h({ before: 5, end: T0 + 2, limit: 10 }), [2, 1]);
      assert.deepEqual(await store.repos.messages.history(b.id, c.id, { limit: 10 }), []);

      // Unread for bob: alice's messages 1, 3, 5; after reading up to 3 only 5.
      const unread = async (u: User) =>
        (await store.repos.conversations.listForUser(a.id, u.id)).find((x) => x.id === c.id)?.unread;
      assert.equal(await unread(bob), 3);
      assert.deepEqual(await store.repos.conversations.setReceipt(a.id, c.id, bob.id, { readSeq: 3 }), {
        deliveredSeq: 3,
        readSeq: 3,
      });
      assert.deepEqual(
        await store.repos.conversations.setReceipt(a.id, c.id, bob.id, { readSeq: 1, deliveredSeq: 5 }),
        {
          deliveredSeq: 5,
          readSeq: 3,
        },
      );
      assert.equal(await unread(bob), 1);
      assert.equal(await store.repos.conversations.setReceipt(b.id, c.id, bob.id, { readSeq: 5 }), undefined);
      await store.repos.messages.tombstone(a.id, sent[4]?.id as string, T0 + 99);
      assert.equal(await unread(bob), 0, 'deleted messages are not unread');
      assert.equal((await store.repos.messages.get(a.id, sent[4]?.id as string))?.text, '');
    });

    test("an external party's receipts move forward only, in its own tenant, only with an external party", async () => {
      const jid = 'rita@far.test';
      const receipt = { deliveredSeq: 0, readSeq: 0 };
      const c = conv(a.id, {
        kind: 'direct',
        name: null,
        pairKey: pairKey(alice.id, jid),
        external: jid,
        externalReceipt: receipt,
      });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'member' }]);
      const set = (tenantId: string, id: string, deliveredSeq: number, readSeq: number) =>
        store.repos.conversations.setExternalReceipt(tenantId, id, { deliveredSeq, readSeq });
      const stored = async () => (await store.repos.conversations.get(a.id, c.id))?.externalReceipt;
      assert.deepEqual(await stored(), receipt);
      assert.equal(await set(a.id, c.id, 2, 0), true);
      assert.equal(await set(a.id, c.id, 0, 3), true, 'read implies delivered');
      assert.deepEqual(await stored(), { deliveredSeq: 3, readSeq: 3 });
      assert.equal(await set(a.id, c.id, 1, 1), false, 'never back');
      assert.equal(await set(a.id, c.id, 5, 0), true);
      assert.deepEqual(await stored(), { deliveredSeq: 5, readSeq: 3 });
      assert.equal(await set(b.id, c.id, 9, 9), false, 'another tenant');
      const group = conv(a.id);
      await store.repos.conversations.insert(group, [{ userId: alice.id, role: 'owner' }]);
      assert.equal(await set(a.id, group.id, 1, 1), false, 'no external party');
      assert.equal((await store.repos.conversations.get(a.id, group.id))?.externalReceipt, null);
      const [listed] = await store.repos.conversations.listForUser(a.id, alice.id, { id: c.id });
      assert.deepEqual(listed?.externalReceipt, { deliveredSeq: 5, readSeq: 3 });
    });

    test('members leave and come back; list shows only current memberships', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'owner' }]);
      await store.repos.conversations.addMember(a.id, c.id, carol.id, 'admin', T0 + 1);
      assert.equal((await store.repos.conversations.member(a.id, c.id, carol.id))?.role, 'admin');
      assert.equal(await store.repos.conversations.leave(a.id, c.id, carol.id, T0 + 2), true);
      assert.equal(await store.repos.conversations.leave(a.id, c.id, carol.id, T0 + 3), false);
      assert.equal((await store.repos.conversations.member(a.id, c.id, carol.id))?.leftAt, T0 + 2);
      assert.ok(!(await store.repos.conversations.listForUser(a.id, carol.id)).some((x) => x.id === c.id));
      await store.repos.conversations.addMember(a.id, c.id, carol.id, 'member', T0 + 4);
      const back = await store.repos.conversations.member(a.id, c.id, carol.id);
      assert.equal(back?.leftAt, null);
      assert.equal(back?.role, 'member');
      assert.ok((await store.repos.conversations.listForUser(a.id, carol.id)).some((x) => x.id === c.id));
      assert.equal(await store.repos.conversations.update(b.id, c.id, { name: 'x' }, T0), false);
      assert.equal(await store.repos.conversations.update(a.id, c.id, { name: 'renamed', topic: 't' }, T0 + 5), true);
      assert.equal((await store.repos.conversations.get(a.id, c.id))?.name, 'renamed');
    });

    test('edits, reactions and attachments', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'owner' }]);
      const m = await send(c, alice, 'first draft');
      assert.equal(await store.repos.messages.edit(b.id, m.id, 'x', T0), false);
      assert.equal(await store.repos.messages.edit(a.id, m.id, 'final text', T0 + 50), true);
      const edited = await store.repos.messages.get(a.id, m.id);
      assert.equal(edited?.text, 'final text');
      assert.equal(edited?.editedAt, T0 + 50);
      const r = { messageId: m.id, userId: bob.id, emoji: '👍', createdAt: T0 };
      assert.equal(await store.repos.messages.react(a.id, r), true);
      assert.equal(await store.repos.messages.react(a.id, r), false);
      assert.deepEqual(await store.repos.messages.reactions(a.id, [m.id]), [r]);
      assert.deepEqual(await store.repos.messages.reactions(b.id, [m.id]), []);
      assert.equal(await store.repos.messages.unreact(a.id, m.id, bob.id, '👍'), true);
      assert.deepEqual(await store.repos.messages.reactions(a.id, [m.id]), []);

      const att = {
        id: randomUUID(),
        tenantId: a.id,
        conversationId: c.id,
        messageId: null,
        uploaderId: alice.id,
        name: 'a.png',
        contentType: 'image/png',
        size: 3,
        sha256: 'abc',
        createdAt: T0,
      };
      await store.repos.attachments.insert(att);
      assert.deepEqual(await store.repos.attachments.get(a.id, att.id), att);
      assert.equal(await store.repos.attachments.get(b.id, att.id), undefined);
      const target = { id: m.id, conversationId: c.id, senderId: bob.id };
      assert.equal(await store.repos.attachments.link(a.id, [att.id], target), 0, 'only the uploader');
      assert.equal(await store.repos.attachments.link(a.id, [att.id], { ...target, senderId: alice.id }), 1);
      assert.deepEqual(
        (await store.repos.attachments.ofMessages(a.id, [m.id])).map((x) => x.id),
        [att.id],
      );

      // An upload no conversation was named for (XEP-0363) joins the one it is sent in.
      const loose = { ...att, id: randomUUID(), conversationId: null };
      await store.repos.attachments.insert(loose);
      assert.deepEqual(await store.repos.attachments.get(a.id, loose.id), loose);
      const m2 = await send(c, alice, 'with a file');
      assert.equal(
        await store.repos.attachments.link(a.id, [loose.id], { id: m2.id, conversationId: c.id, senderId: alice.id }),
        1,
      );
      assert.deepEqual(await store.repos.attachments.get(a.id, loose.id), {
        ...loose,
        conversationId: c.id,
        messageId: m2.id,
      });
    });

    test('attachment storage: usage per uploader and tenant, unsent ones by age, gone with their message', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      await store.repos.conversations.insert(c, [{ userId: alice.id, role: 'owner' }]);
      const upload = async (uploaderId: string, size: number, createdAt: number) => {
        const att = {
          id: randomUUID(),
          tenantId: a.id,
          conversationId: c.id,
          messageId: null,
          uploaderId,
          name: 'f.txt',
          contentType: 'text/plain',
          size,
          sha256: 'x',
          createdAt,
        };
        await store.repos.attachments.insert(att);
        return att.id;
      };
      const before = await store.repos.attachments.usage(a.id, carol.id);
      const old = await upload(carol.id, 100, 1_000);
      const sent = await upload(carol.id, 20, 1_000);
      await upload(alice.id, 3, 5_000);
      const usage = await store.repos.attachments.usage(a.id, carol.id);
      assert.deepEqual(usage, { user: before.user + 120, tenant: before.tenant + 123 });
      assert.deepEqual(await store.repos.attachments.usage(b.id, carol.id), { user: 0, tenant: 0 });

      const m = await send(c, carol, 'with a file');
      assert.equal(await store.repos.attachments.link(a.id, [sent], { ...m, senderId: carol.id }), 1);
      const due = (await store.repos.attachments.unsentBefore(2_000, 100)).map((x) => x.id);
      assert.ok(due.includes(old), 'the old unsent upload is due');
      assert.ok(!due.includes(sent), 'a sent one is not');
      assert.equal(await store.repos.attachments.deleteUnsent(b.id, old), false, 'only through its own tenant');
      assert.equal(await store.repos.attachments.deleteUnsent(a.id, sent), false, 'never a sent one');
      assert.equal(await store.repos.attachments.deleteUnsent(a.id, old), true);
      assert.equal(await store.repos.attachments.get(a.id, old), undefined);

      assert.deepEqual(await store.repos.messages.tombstone(a.id, m.id, T0 + 60), [sent]);
      assert.equal(await store.repos.attachments.get(a.id, sent), undefined, 'the row went with the message');
      assert.equal(await store.repos.messages.tombstone(a.id, m.id, T0 + 61), false);
    });

    test('full-text search: own conversations, own tenant, no tombstones, no query syntax', async () => {
      const mine = conv(a.id, { createdBy: alice.id });
      const others = conv(a.id, { createdBy: bob.id });
      const foreign = conv(b.id, { createdBy: eve.id });
      await store.repos.conversations.insert(mine, [{ userId: alice.id, role: 'owner' }]);
      await store.repos.conversations.insert(others, [{ userId: bob.id, role: 'owner' }]);
      await store.repos.conversations.insert(foreign, [{ userId: eve.id, role: 'owner' }]);
      const hit = await send(mine, alice, 'The quarterly Budget review is on Friday');
      const gone = await send(mine, alice, 'budget draft to be deleted');
      await send(others, bob, 'budget secrets of bob');
      await send(foreign, eve, 'budget of another tenant');
      await store.repos.messages.tombstone(a.id, gone.id, T0 + 1);
      // Edited before SQLite's index took it (migration 034): found by its text as it is now.
      const early = await send(mine, alice, 'first thoughts');
      await store.repos.messages.edit(a.id, early.id, 'second thoughts', T0 + 1);
      // What a search does first (`MessageSender.indexPending`).
      const ids = async (u: User, q: string) => {
        await store.transaction((r) => r.messages.indexPending());
        return (await store.repos.messages.search(u.tenantId, u.id, q, 10)).map((m) => m.id);
      };
      assert.deepEqual(await ids(alice, 'first'), []);
      assert.deepEqual(await ids(alice, 'second thoughts'), [early.id]);
      assert.equal(await store.transaction((r) => r.messages.indexPending()), 0, 'nothing waits any more');
      assert.deepEqual(await ids(alice, 'budget'), [hit.id]);
      assert.deepEqual(await ids(alice, 'BUDGET friday'), [hit.id]);
      assert.deepEqual(await ids(alice, 'budget nothing'), []);
      assert.deepEqual(await ids(alice, '"unbalanced OR * NEAR('), []);
      assert.deepEqual(await ids(alice, '   '), []);
      assert.equal((await ids(bob, 'budget')).length, 1);
      assert.equal((await ids(eve, 'budget')).length, 1);
      await store.repos.messages.edit(a.id, hit.id, 'moved to Monday', T0 + 2);
      assert.deepEqual(await ids(alice, 'budget'), []);
      assert.deepEqual(await ids(alice, 'monday'), [hit.id]);
    });

    test('changes since a point: edits, tombstones, touches; current members, own tenant; newest per conversation', async () => {
      const c = conv(a.id, { createdBy: alice.id });
      const foreign = conv(b.id, { createdBy: eve.id });
      await store.repos.conversations.insert(c, [
        { userId: alice.id, role: 'owner' },
        { userId: carol.id, role: 'member' },
      ]);
      await store.repos.conversations.insert(foreign, [{ userId: eve.id, role: 'owner' }]);
      const m1 = await send(c, alice, 'one');
      const m2 = await send(c, alice, 'two');
      const m3 = await send(c, carol, 'three');
      const m4 = await send(c, carol, 'four');
      const e1 = await send(foreign, eve, 'elsewhere');
      // Later than the changes of the tests before.
      const AFTER = T0 + 10_000;
      const since = (u: User, at: number, id = '') =>
        store.repos.messages
          .changes(u.tenantId, u.id, { at, id }, 10)
          .then((rs) => rs.map((r) => [r.message.id, r.changedAt]));
      assert.deepEqual(await since(alice, AFTER), [], 'sent, never changed');

      await store.repos.messages.edit(a.id, m2.id, 'two!', T0 + 10_100);
      await store.repos.messages.tombstone(a.id, m1.id, T0 + 10_200);
      await store.repos.messages.touch(a.id, m3.id, T0 + 10_200);
      await store.repos.messages.touch(b.id, m4.id, T0 + 10_300);
      await store.repos.messages.touch(b.id, e1.id, T0 + 10_300);
      const byId = [m1.id, m3.id].sort();
      assert.deepEqual(await since(alice, AFTER), [
        [m2.id, T0 + 10_100],
        [byId[0], T0 + 10_200],
        [byId[1], T0 + 10_200],
      ]);
      // Strictly after a (time, id) position: a page boundary inside a tie loses nothing.
      assert.deepEqual(await since(alice, T0 + 10_200, byId[0]), [[byId[1], T0 + 10_200]]);
      // A time alone includes its own millisecond (the overlap a server cursor relies on).
      assert.deepEqual(
        (await since(alice, T0 + 10_100)).map(([id]) => id),
        [m2.id, ...byId],
      );
      assert.deepEqual(
        (await since(alice, T0 + 10_101)).map(([id]) => id),
        byId,
      );
      assert.deepEqual(await since(eve, AFTER), [[e1.id, T0 + 10_300]], 'the other tenant sees only its own');
      assert.deepEqual(
        (await since(carol, AFTER)).map(([id]) => id),
        [m2.id, ...byId],
      );
      await store.repos.conversations.leave(a.id, c.id, carol.id, T0 + 10_400);
      assert.deepEqual(await since(carol, AFTER), [], 'not after leaving');
      assert.equal((await store.repos.messages.get(a.id, m4.id))?.text, 'four', 'touch across tenants does nothing');

      const newest = await store.repos.messages.newest(a.id, [c.id, foreign.id]);
      assert.deepEqual(
        newest.map((m) => m.id),
        [m4.id],
      );
      assert.deepEqual(
        (await store.repos.messages.newest(b.id, [c.id, foreign.id])).map((m) => m.id),
        [e1.id],
      );
      assert.deepEqual(await store.repos.messages.newest(a.id, []), []);
    });
  });
}
