import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { calendarHarness } from '../../../test/support/calendar.js';

const ics = (summary: string, start: number) => {
  const d = (ms: number) => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//t//EN',
    'BEGIN:VEVENT',
    'UID:e1@t',
    'DTSTAMP:20260101T000000Z',
    `DTSTART:${d(start)}`,
    `DTEND:${d(start + 3_600_000)}`,
    `SUMMARY:${summary}`,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
};

describe('calendar service with an ICS URL (node:http peer)', () => {
  let h: Awaited<ReturnType<typeof calendarHarness>>;
  let server: Server;
  let url: string;
  let body = '';
  let etag = '"v1"';
  let mode: 'ok' | 'down' | 'html' = 'ok';
  const hits: { status: number; inm: string | undefined }[] = [];

  before(async () => {
    h = await calendarHarness();
    body = ics('Planning', h.clock.now() + 3_600_000);
    server = createServer((req, res) => {
      const inm = req.headers['if-none-match'];
      let status = 200;
      if (mode === 'down') status = 503;
      else if (inm === etag) status = 304;
      hits.push({ status, inm });
      if (status === 503) return res.writeHead(503).end('maintenance');
      if (status === 304) return res.writeHead(304, { etag }).end();
      res.writeHead(200, { 'content-type': 'text/calendar', etag });
      res.end(mode === 'html' ? '<html>login page</html>' : body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alice.ics`;
  });
  after(async () => {
    server.close();
    await h.close();
  });

  test('first poll downloads and delivers blocks', async () => {
    const view = await h.service.set(h.tenant.id, h.alice.id, { type: 'ics', url });
    assert.deepEqual(view, {
      type: 'ics',
      url,
      username: null,
      lastSyncAt: null,
      lastAttemptAt: null,
      stale: false,
      lastError: null,
      nextAttemptAt: null,
    });
    const after1 = await h.service.sync(h.tenant.id, h.alice.id);
    assert.equal(after1.stale, false);
    assert.equal(after1.lastSyncAt, h.clock.now());
    assert.deepEqual(
      h.last()?.blocks.map((b) => [b.subject, b.show]),
      [['Planning', 'busy']],
    );
    assert.deepEqual(hits.at(-1), { status: 200, inm: undefined });
  });

  test('an unchanged feed answers 304 and nothing is downloaded; blocks are still delivered', async () => {
    const before = h.snapshots.length;
    await h.service.sync(h.tenant.id, h.alice.id);
    assert.deepEqual(hits.at(-1), { status: 304, inm: '"v1"' });
    assert.equal(h.snapshots.length, before + 1);
    assert.equal(h.last()?.blocks[0]?.subject, 'Planning');
  });

  test('a change (new ETag) shows up', async () => {
    etag = '"v2"';
    body = ics('Review', h.clock.now() + 7_200_000);
    await h.service.sync(h.tenant.id, h.alice.id);
    assert.equal(hits.at(-1)?.status, 200);
    assert.equal(h.last()?.blocks[0]?.subject, 'Review');
  });

  test('unreachable: stale, last good blocks kept, error logged once over several polls, then recovery', async () => {
    mode = 'down';
    for (let i = 0; i < 3; i++) {
      const v = await h.service.sync(h.tenant.id, h.alice.id);
      assert.equal(v.stale, true);
      assert.match(v.lastError ?? '', /HTTP 503/);
      assert.equal(h.last()?.stale, true);
      assert.equal(h.last()?.blocks[0]?.subject, 'Review');
    }
    assert.equal(h.warnings('calendar unavailable').length, 1);
    mode = 'ok';
    etag = '"v3"';
    const v = await h.service.sync(h.tenant.id, h.alice.id);
    assert.equal(v.stale, false);
    assert.equal(v.lastError, null);
    assert.equal(h.last()?.stale, false);
    assert.equal(h.logs.filter((l) => l.msg === 'calendar reachable again').length, 1);
  });

  test('a malformed body (an HTML login page) makes it stale and does not replace the last good data', async () => {
    mode = 'html';
    etag = '"v4"';
    const v = await h.service.sync(h.tenant.id, h.alice.id);
    assert.equal(v.stale, true);
    assert.match(v.lastError ?? '', /not an iCalendar body/);
    assert.equal(h.last()?.blocks[0]?.subject, 'Review');
    mode = 'ok';
  });

  test('pollDue honours per-user due times', async () => {
    const count = hits.length;
    await h.service.pollDue();
    assert.equal(hits.length, count, 'not due yet');
    h.clock.t += 301_000;
    await h.service.pollDue();
    assert.equal(hits.length, count + 1);
    await h.service.pollDue();
    assert.equal(hits.length, count + 1);
  });

  test('CalDAV password is sealed at rest and never shown', async () => {
    const v = await h.service.set(h.tenant.id, h.alice.id, {
      type: 'caldav',
      url: 'http://127.0.0.1:1/alice/work/',
      username: 'alice',
      password: 'top-secret',
    });
    assert.ok(!JSON.stringify(v).includes('top-secret'));
    const row = await h.store.repos.calendars.get(h.tenant.id, h.alice.id);
    assert.match(row?.passwordSealed ?? '', /^v1:/);
    assert.ok(!row?.passwordSealed?.includes('top-secret'));
    const synced = await h.service.sync(h.tenant.id, h.alice.id);
    assert.equal(synced.stale, true);
    assert.match(synced.lastError ?? '', /cannot reach 127\.0\.0\.1:1/);
  });

  test('delete removes the connection and delivers an empty snapshot', async () => {
    await h.service.remove(h.tenant.id, h.alice.id);
    assert.deepEqual(h.last(), { blocks: [], fetchedAt: h.clock.now(), stale: false });
    await assert.rejects(h.service.get(h.tenant.id, h.alice.id), /No calendar/);
    await assert.rejects(h.service.remove(h.tenant.id, h.alice.id), /No calendar/);
  });
});
