import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call } from './support/http.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';

/** NUL, BEL and the right-to-left override (which turns `gnp.exe` into `exe.png` on screen). */
const ATTACKS = [
  ['NUL', '\u0000', 'U+0000'],
  ['BEL', '\u0007', 'U+0007'],
  ['RLO', '\u202E', 'U+202E'],
] as const;

describe('control and direction characters in text people read are refused (400 with the field)', () => {
  let t: TestServer;
  let alice: Person;
  let admin: Person;
  let group: string;
  let victim: string;

  before(async () => {
    let bob: Person;
    ({ t, alice, bob } = await startWithPeople());
    admin = await t.user('root@example.test', { role: 'tenant-admin' });
    victim = bob.userId;
    group = (
      await alice.api.request('conversations.create', {
        body: { members: ['bob@example.test', 'carol@example.test'], name: 'team' },
      })
    ).id;
  });
  after(() => t.stop());

  /** Asserts the 400 names the field and the character. */
  const refused = async (res: Awaited<ReturnType<typeof call>>, path: string, char: string) => {
    const error = assertError(res, 400, 'PARLEY_ERR_VALIDATION');
    const detail = error.details?.find((d) => d.path === path);
    assert.ok(detail, `a detail for ${path}: ${JSON.stringify(error.details)}`);
    assert.match(detail.message, new RegExp(char.replace('+', '\\+')));
  };

  for (const [label, c, code] of ATTACKS) {
    test(`${label} in a message, an edit, a display name, a group title, a topic, an attachment name`, async () => {
      const send = (text: string, clientId: string) =>
        call(t.url, 'POST', `/api/v1/conversations/${group}/messages`, {
          token: alice.token,
          body: { text, clientId },
        });
      await refused(await send(`hello${c}world`, `bad-${label}`), 'body.text', code);
      const ok = await send('line one\n\tline two\r\n', `ok-${label}`);
      assert.equal(ok.status, 201, 'tab, line feed and carriage return are fine in messages');
      const id = (ok.body as { id: string }).id;
      await refused(
        await call(t.url, 'PATCH', `/api/v1/conversations/${group}/messages/${id}`, {
          token: alice.token,
          body: { text: `edited${c}` },
        }),
        'body.text',
        code,
      );

      const name = `Admin${c}istrator`;
      await refused(
        await call(t.url, 'POST', '/api/v1/admin/users', {
          token: admin.token,
          body: { local: `x${label.toLowerCase()}`, displayName: name },
        }),
        'body.displayName',
        code,
      );
      await refused(
        await call(t.url, 'PATCH', `/api/v1/admin/users/${victim}`, {
          token: admin.token,
          body: { displayName: name },
        }),
        'body.displayName',
        code,
      );
      await refused(
        await call(t.url, 'PATCH', '/api/v1/me', { token: alice.token, body: { displayName: name } }),
        'body.displayName',
        code,
      );
      await refused(
        await call(t.url, 'POST', '/api/v1/conversations', {
          token: alice.token,
          body: { members: ['bob@example.test'], name: `Team${c}` },
        }),
        'body.name',
        code,
      );
      await refused(
        await call(t.url, 'PATCH', `/api/v1/conversations/${group}`, {
          token: alice.token,
          body: { name: `Team${c}`, topic: 'fine' },
        }),
        'body.name',
        code,
      );
      await refused(
        await call(t.url, 'PATCH', `/api/v1/conversations/${group}`, {
          token: alice.token,
          body: { topic: `Topic${c}` },
        }),
        'body.topic',
        code,
      );
      await refused(
        await call(t.url, 'PUT', '/api/v1/me/presence', { token: alice.token, body: { note: `back${c}soon` } }),
        'body.note',
        code,
      );
      const upload = await fetch(
        new URL(`/api/v1/conversations/${group}/attachments?name=${encodeURIComponent(`gnp${c}.exe`)}`, t.url),
        {
          method: 'POST',
          headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'text/plain' },
          body: 'x',
        },
      );
      const text = await upload.text();
      await refused(
        { status: upload.status, headers: upload.headers, body: JSON.parse(text), text },
        'query.name',
        code,
      );
    });
  }

  test('names refuse invisible characters too; scripts and emoji with joiners pass', async () => {
    for (const [c, code] of [
      ['\u200B', 'U+200B'],
      ['\u200F', 'U+200F'],
      ['\u2066', 'U+2066'],
      ['\n', 'U+000A'],
    ]) {
      await refused(
        await call(t.url, 'PATCH', '/api/v1/me', { token: alice.token, body: { displayName: `Ali${c}ce` } }),
        'body.displayName',
        code as string,
      );
    }
    const me = await alice.api.request('me.update', { body: { displayName: 'Zoë Ωmega 👩‍💻 مریم‌خانم' } });
    assert.equal(me.displayName, 'Zoë Ωmega 👩‍💻 مریم‌خانم');
  });
});
