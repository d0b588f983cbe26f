// The call journal end to end: calls switched by the real call service, entries written by the
// journal feature of a real server, read and changed over HTTP and the event socket, exported as
// CSV, and missed calls mailed to a real SMTP server.
// The SMTP server is `support/smtp-sink.ts` (why that one: see there).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JournalEntry } from '@parley/api';
import type { Party } from '../src/core/calls/model.js';
import { type Listener, listen as listenEvents } from './support/events.js';
import { assertError, call } from './support/http.js';
import type { Person } from './support/people.js';
import { startTestServer, type TestServer } from './support/server.js';
import { smtpSink } from './support/smtp-sink.js';

describe('call journal over HTTP', () => {
  let t: TestServer;
  let sink: Awaited<ReturnType<typeof smtpSink>>;
  let alice: Person;
  let bob: Person;
  let mallory: Person;
  let events: Listener;
  let aliceLine: Party;
  let bobLine: Party;
  const caller: Party = { number: '+4971155501', display: 'ACME reception' };

  before(async () => {
    sink = await smtpSink();
    t = await startTestServer({
      'smtp.host': '127.0.0.1',
      'smtp.port': sink.port,
      'smtp.security': 'none',
      'smtp.user': 'parley',
      'smtp.password': 'mail-secret',
      'smtp.from': 'parley@journal.test',
      'journal.missedCallMail.enabled': true,
      'journal.missedCallMail.language': 'de',
      'journal.missedCallMail.timeZone': 'Europe/Berlin',
      // The sink is on loopback, which the outbound policy refuses unless allowed.
      'outbound.allow': ['127.0.0.1'],
    });
    alice = await t.user('alice@journal.test');
    bob = await t.user('bob@journal.test');
    mallory = await t.user('mallory@other.test');
    await t.core.users.update(alice.tenantId, alice.userId, { displayName: 'Alice Adler', email: 'alice@mail.test' });
    await t.core.users.update(alice.tenantId, bob.userId, { displayName: 'Bob Bauer' });
    // A colleague whose work number is the caller's: the directory's users source resolves it.
    await t.core.users.create(alice.tenantId, {
      local: 'dora',
      displayName: 'Dora Berger',
      numbers: ['+4971155501'],
      password: 'dora-secret-pw',
    });
    aliceLine = { userId: alice.userId, lineId: 'l-a', lineNumber: '201', deviceId: 'd-a' };
    bobLine = { userId: bob.userId, lineId: 'l-b', lineNumber: '202', deviceId: 'd-b' };
    events = await listenEvents(t.url, alice.token);
  });
  after(async () => {
    events?.close();
    await t?.stop();
    await sink?.close();
  });

  const get = async (token: string, query = '') => {
    const r = await call(t.url, 'GET', `/api/v1/journal${query}`, { token });
    assert.equal(r.status, 200, r.text);
    return r.body as { entries: JournalEntry[]; cursor: string | null; unreadMissed: number };
  };
  const patch = (token: string, id: string, body: unknown) =>
    call(t.url, 'PATCH', `/api/v1/journal/${id}`, { token, body });

  let missed: JournalEntry;

  test('a missed call becomes an unread entry with the resolved caller, an event and a mail in German', async () => {
    const c = await t.core.calls.originate(alice.tenantId, { from: caller, to: { dialled: '201', party: aliceLine } });
    await t.core.calls.deliver(c.id, aliceLine);
    await t.core.calls.clear(c.id, undefined, 'callCancelled');
    const created = await events.next('journal.created');
    missed = created.entry;
    assert.equal(created.unreadMissed, 1);
    assert.deepEqual(
      {
        direction: missed.direction,
        result: missed.result,
        line: missed.line,
        remote: missed.remote,
        read: missed.read,
        answeredAt: missed.answeredAt,
      },
      {
        direction: 'inbound',
        result: 'missed',
        line: '201',
        remote: {
          number: '+4971155501',
          uri: null,
          userId: null,
          display: 'ACME reception',
          name: 'Dora Berger',
          company: null,
          match: 'exact',
        },
        read: false,
        answeredAt: null,
      },
    );

    const mail = await sink.next();
    assert.equal(mail.from?.value[0]?.address, 'parley@journal.test');
    assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : [], [
      'alice@mail.test',
    ]);
    assert.equal(mail.subject, 'Verpasster Anruf von Dora Berger');
    assert.match(mail.text ?? '', /Hallo Alice Adler,/);
    assert.match(mail.text ?? '', /Nummer: +\+4971155501/);
    const time = new Intl.DateTimeFormat('de-DE', {
      timeZone: 'Europe/Berlin',
      dateStyle: 'full',
      timeStyle: 'short',
    }).format(Date.parse(missed.startedAt));
    assert.ok(mail.text?.includes(`${time} (Europe/Berlin)`), mail.text);
    assert.match(mail.text ?? '', /Leitung: +201/);

    const list = await get(alice.token);
    assert.deepEqual(
      list.entries.map((e) => e.id),
      [missed.id],
    );
    assert.equal(list.unreadMissed, 1);
    assert.deepEqual((await call(t.url, 'GET', '/api/v1/journal/unread', { token: alice.token })).body, {
      unreadMissed: 1,
    });
  });

  test('an answered internal call: entries for both, no mail; the list filters, searches and pages', async () => {
    const c = await t.core.calls.originate(alice.tenantId, { from: bobLine, to: { dialled: '201', party: aliceLine } });
    await t.core.calls.deliver(c.id, aliceLine);
    await t.core.calls.establish(c.id, aliceLine);
    await t.core.calls.clear(c.id);
    const answered = (await events.next('journal.created')).entry;
    assert.equal(answered.direction, 'internal');
    assert.equal(answered.result, 'answered');
    assert.equal(answered.remote.name, 'Bob Bauer');
    assert.equal(answered.remote.match, 'user');
    const bobs = await get(bob.token);
    assert.deepEqual(
      bobs.entries.map((e) => [e.direction, e.result, e.line, e.remote.name]),
      [['internal', 'answered', '202', 'Alice Adler']],
    );

    const ids = async (query: string) => (await get(alice.token, query)).entries.map((e) => e.id);
    assert.deepEqual(await ids(''), [answered.id, missed.id], 'newest first');
    assert.deepEqual(await ids('?result=missed'), [missed.id]);
    assert.deepEqual(await ids('?direction=internal'), [answered.id]);
    assert.deepEqual(await ids('?unread=true'), [answered.id, missed.id]);
    assert.deepEqual(await ids('?q=berger'), [missed.id], 'the resolved name');
    assert.deepEqual(await ids('?q=bauer'), [answered.id]);
    assert.deepEqual(await ids('?q=55501'), [missed.id], 'a part of the number');
    assert.deepEqual(await ids('?q=nobody'), []);
    assert.deepEqual(await ids(`?to=${encodeURIComponent(missed.startedAt)}`), []);
    assert.deepEqual(await ids(`?from=${encodeURIComponent(missed.startedAt)}`), [answered.id, missed.id]);

    const first = await get(alice.token, '?limit=1');
    assert.deepEqual(
      first.entries.map((e) => e.id),
      [answered.id],
    );
    assert.ok(first.cursor);
    const second = await get(alice.token, `?limit=1&cursor=${first.cursor}`);
    assert.deepEqual(
      second.entries.map((e) => e.id),
      [missed.id],
    );
    assert.equal(second.cursor, null);

    assertError(
      await call(t.url, 'GET', '/api/v1/journal?limit=1000', { token: alice.token }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assertError(
      await call(t.url, 'GET', '/api/v1/journal?cursor=bogus', { token: alice.token }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assertError(
      await call(t.url, 'GET', '/api/v1/journal?result=lost', { token: alice.token }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.equal(sink.mails.length, 0, 'only missed calls are mailed');
  });

  test('memo and read flag: set by the user, searched, pushed to their clients; others get 404', async () => {
    const r = await patch(alice.token, missed.id, { memo: 'Rückruf wegen Angebot', read: true });
    assert.equal(r.status, 200, r.text);
    assert.equal((r.body as JournalEntry).memo, 'Rückruf wegen Angebot');
    const updated = await events.next('journal.updated');
    assert.equal(updated.entry.id, missed.id);
    assert.equal(updated.unreadMissed, 0);
    assert.deepEqual(
      (await get(alice.token, '?q=ruckruf')).entries.map((e) => e.id),
      [missed.id],
      'accents ignored',
    );
    assert.equal((await get(alice.token)).unreadMissed, 0);

    assertError(await patch(mallory.token, missed.id, { memo: 'owned' }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await patch(bob.token, missed.id, { read: false }), 404, 'PARLEY_ERR_NOT_FOUND');
    assertError(await patch(alice.token, missed.id, {}), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await patch(alice.token, missed.id, { memo: 'x'.repeat(2001) }), 400, 'PARLEY_ERR_VALIDATION');
    assertError(await patch(alice.token, missed.id, { memo: 'bad\u202etext' }), 400, 'PARLEY_ERR_VALIDATION');
    assert.deepEqual((await get(mallory.token)).entries, []);
    assert.equal((await get(alice.token)).entries.find((e) => e.id === missed.id)?.memo, 'Rückruf wegen Angebot');

    const cleared = await patch(alice.token, missed.id, { memo: '' });
    assert.equal((cleared.body as JournalEntry).memo, null);
    assert.equal((cleared.body as JournalEntry).read, true, 'the read flag stays');

    const read = await call(t.url, 'POST', '/api/v1/journal/read', { token: alice.token, body: {} });
    assert.equal(read.status, 200, read.text);
    assert.deepEqual((await get(alice.token, '?unread=true')).entries, []);
    assert.equal((await events.next('journal.read')).unreadMissed, 0);
  });

  test('the CSV export: header, the filters, RFC 4180 quoting and formulas defused', async () => {
    await patch(alice.token, missed.id, { memo: '=HYPERLINK("http://evil.test","click"), then "call back"' });
    const r = await fetch(`${t.url}/api/v1/journal.csv`, { headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(r.headers.get('content-disposition') ?? '', /attachment; filename="journal.csv"/);
    const text = await r.text();
    const lines = text.replace(/^\ufeff/, '').split('\r\n');
    assert.equal(
      lines[0],
      'started_at,answered_at,ended_at,direction,result,line,remote_number,remote_uri,remote_name,remote_company,remote_display,duration_seconds,by,memo,read',
    );
    assert.equal(lines.length, 4, 'header, two entries and the final line break');
    assert.equal(lines[3], '');
    const missedRow = lines[2] as string;
    assert.ok(missedRow.startsWith(`${missed.startedAt},,`), missedRow);
    assert.ok(
      missedRow.includes(
        `,inbound,missed,201,'+4971155501,,Dora Berger,,ACME reception,0,,"'=HYPERLINK(""http://evil.test"",""click""), then ""call back""",true`,
      ),
      missedRow,
    );

    const filtered = await fetch(`${t.url}/api/v1/journal.csv?result=missed&q=dora`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    assert.equal((await filtered.text()).split('\r\n').length, 3);
    const others = await fetch(`${t.url}/api/v1/journal.csv`, {
      headers: { authorization: `Bearer ${mallory.token}` },
    });
    assert.equal((await others.text()).split('\r\n').length, 2, 'only the header for another tenant');
    assert.equal((await fetch(`${t.url}/api/v1/journal.csv`)).status, 401);
    assert.equal(
      (
        await fetch(`${t.url}/api/v1/journal.csv?direction=sideways`, {
          headers: { authorization: `Bearer ${alice.token}` },
        })
      ).status,
      400,
    );
  });
});
