import assert from 'node:assert/strict';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sleep } from './support/http.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';

/** ~2,000 bytes per user and ~4,100 per tenant: room for two uploads of 1,000 bytes each. */
const QUOTAS = {
  'messaging.attachments.maxBytes': 4096,
  'messaging.attachments.userQuotaMegabytes': 2000 / 1024 / 1024,
  'messaging.attachments.tenantQuotaMegabytes': 4100 / 1024 / 1024,
};

interface Upload {
  status: number;
  body: { id: string; url: string; error?: { code: string; message: string } };
}

async function upload(t: TestServer, who: Person, conversationId: string, bytes: Buffer, chunked = false) {
  const body = chunked
    ? new ReadableStream({
        start(c) {
          c.enqueue(bytes);
          c.close();
        },
      })
    : bytes;
  const res = await fetch(new URL(`/api/v1/conversations/${conversationId}/attachments?name=f.txt`, t.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${who.token}`, 'content-type': 'text/plain' },
    body,
    ...(chunked && { duplex: 'half' }),
  } as RequestInit);
  return { status: res.status, body: await res.json() } as Upload;
}

const fileOf = (t: TestServer, who: Person, id: string) => join(t.dataDir, 'attachments', who.tenantId, id);
const download = (t: TestServer, who: Person, url: string) =>
  fetch(new URL(url, t.url), { headers: { authorization: `Bearer ${who.token}` } }).then((r) => r.status);

/** Polls `check` until it holds, failing after `ms`. */
async function eventually(what: string, check: () => Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

describe('attachment storage: quotas and deleted messages', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let mallory: Person;
  let group: string;
  /** Bob's uploads of the first test, not sent yet. */
  const bobs: string[] = [];

  before(async () => {
    ({ t, alice, bob, carol, mallory } = await startWithPeople(QUOTAS));
    group = (
      await alice.api.request('conversations.create', {
        body: { members: ['bob@example.test', 'carol@example.test'], name: 'files' },
      })
    ).id;
  });
  after(() => t.stop());

  test('uploads over the user quota and then over the tenant quota are refused with 413', async () => {
    const kb = Buffer.alloc(1000, 1);
    assert.equal((await upload(t, alice, group, kb)).status, 201);
    assert.equal((await upload(t, alice, group, kb)).status, 201);
    // The declared length already exceeds the user's quota: refused before the body is stored.
    const declared = await upload(t, alice, group, kb);
    assert.equal(declared.status, 413);
    assert.equal(declared.body.error?.code, 'PARLEY_ERR_QUOTA_EXCEEDED');
    assert.match(declared.body.error?.message ?? '', /your quota/);
    // Without a declared length (chunked), the size is checked before the file is stored.
    const chunked = await upload(t, alice, group, kb, true);
    assert.equal(chunked.status, 413);
    assert.equal(chunked.body.error?.code, 'PARLEY_ERR_QUOTA_EXCEEDED');

    // Bob has room of his own, then the tenant (4,000 of ~4,100 bytes used) has none for Carol.
    for (const _ of [1, 2]) {
      const u = await upload(t, bob, group, kb);
      assert.equal(u.status, 201);
      bobs.push(u.body.id);
    }
    const tenantFull = await upload(t, carol, group, kb);
    assert.equal(tenantFull.status, 413);
    assert.equal(tenantFull.body.error?.code, 'PARLEY_ERR_QUOTA_EXCEEDED');
    assert.match(tenantFull.body.error?.message ?? '', /organisation/);
    // Another tenant is not affected.
    await t.user('trent@other.test');
    const elsewhere = (await mallory.api.request('conversations.create', { body: { members: ['trent@other.test'] } }))
      .id;
    assert.equal((await upload(t, mallory, elsewhere, kb)).status, 201);
  });

  test("a deleted message's files are gone at once: download 404, file off the disk, quota free", async () => {
    // The tenant is full (previous test); Bob sends his two uploads, then deletes the message.
    assert.equal((await upload(t, carol, group, Buffer.alloc(1000, 2))).status, 413);
    const m = await bob.api.request('messages.send', {
      params: { id: group },
      body: { text: 'files', clientId: 'with-files', attachments: bobs },
    });
    assert.equal(m.attachments.length, 2);
    const [first] = m.attachments;
    assert.ok(first);
    assert.equal(await download(t, carol, first.url), 200);
    assert.ok(existsSync(fileOf(t, bob, first.id)));

    await bob.api.request('messages.delete', { params: { id: group, messageId: m.id } });
    for (const a of m.attachments) {
      assert.equal(await download(t, carol, a.url), 404, 'a member cannot download it');
      assert.equal(await download(t, bob, a.url), 404, 'nor can the uploader');
      assert.equal(existsSync(fileOf(t, bob, a.id)), false, 'the file is off the disk');
    }
    assert.equal((await upload(t, carol, group, Buffer.alloc(1000, 2))).status, 201, 'the quota is free again');
    // Nor can they be attached again.
    const again = await fetch(new URL(`/api/v1/conversations/${group}/messages`, t.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'again', clientId: 'again', attachments: [first.id] }),
    });
    assert.equal(again.status, 400);
  });
});

test('uploads never sent are deleted after messaging.attachments.unsentHours, sent ones stay', async () => {
  // 0.0005 h = 1.8 s; housekeeping then runs every second.
  const { t, alice } = await startWithPeople({ 'messaging.attachments.unsentHours': 0.0005 });
  try {
    const c = (await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } })).id;
    const unsent = await upload(t, alice, c, Buffer.from('forgotten'));
    const kept = await upload(t, alice, c, Buffer.from('sent'));
    assert.equal(unsent.status, 201);
    await alice.api.request('messages.send', {
      params: { id: c },
      body: { text: 'here', clientId: 'kept', attachments: [kept.body.id] },
    });
    assert.equal(await download(t, alice, unsent.body.url), 200);
    // The row goes first, then the file (a crash between the two leaves a file the sweep removes).
    await eventually('the unsent upload is purged', async () => (await download(t, alice, unsent.body.url)) === 404);
    await eventually('its file is gone', async () => !existsSync(fileOf(t, alice, unsent.body.id)));
    assert.equal(await download(t, alice, kept.body.url), 200, 'the sent one stays');
    assert.ok(existsSync(fileOf(t, alice, kept.body.id)));
  } finally {
    await t.stop();
  }
});

test('files left without a record (a crash between row and file, a write cut short) are swept; others stay', async () => {
  const { t, alice } = await startWithPeople({ 'messaging.attachments.unsentHours': 1 });
  try {
    const c = (await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } })).id;
    const kept = await upload(t, alice, c, Buffer.from('still here'));
    const orphan = fileOf(t, alice, '5f0c6a1e-0000-4000-8000-000000000001');
    const cut = `${fileOf(t, alice, '5f0c6a1e-0000-4000-8000-000000000002')}.part`;
    const fresh = fileOf(t, alice, '5f0c6a1e-0000-4000-8000-000000000003');
    for (const path of [orphan, cut, fresh]) writeFileSync(path, 'bytes');
    // Two hours old: past unsentHours, as is the kept upload's file; the fresh one may be an upload in progress.
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const path of [orphan, cut, fileOf(t, alice, kept.body.id)]) utimesSync(path, old, old);

    assert.equal(await t.core.messaging.attachments.sweepOrphans(), 2);
    assert.deepEqual(
      [orphan, cut, fresh, fileOf(t, alice, kept.body.id)].map((p) => existsSync(p)),
      [false, false, true, true],
    );
    assert.equal(await download(t, alice, kept.body.url), 200);
  } finally {
    await t.stop();
  }
});
