import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';

// A calendar served over HTTP feeds presence: the whole path from ICS URL to GET /api/v1/presence.
const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

let t: TestServer;
let ics = '';
const feed = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/calendar' });
  res.end(ics);
});
let feedUrl = '';

before(async () => {
  // The feed listens on loopback, which the outbound policy refuses unless allowed.
  t = await startTestServer({ 'outbound.allow': ['127.0.0.0/8', '::1'] });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/bob.ics`;
});
after(async () => {
  await t.stop();
  await new Promise((r) => feed.close(r));
});

test('a meeting in the subscribed calendar makes the user busy until it ends', async () => {
  const now = Date.now();
  const start = now - 10 * 60_000;
  const end = Math.ceil((now + 50 * 60_000) / 60_000) * 60_000;
  ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//parley test//EN',
    'BEGIN:VEVENT',
    'UID:standup-1',
    `DTSTAMP:${stamp(now)}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(end)}`,
    'SUMMARY:Budget review',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

  const bob = await t.user('bob@example.test');
  const alice = await t.user('alice@example.test');
  await bob.api.request('me.calendar.put', { body: { type: 'ics', url: feedUrl } });
  await bob.api.request('me.calendar.sync', {});
  const status = await bob.api.request('me.calendar.get', {});
  assert.equal(status.stale, false);

  const { presence } = await alice.api.request('presence.list', { query: { users: 'bob@example.test' } });
  const seen = presence[0];
  assert.equal(seen?.availability, 'busy');
  assert.ok(seen?.flags.includes('meeting'));
  assert.equal(seen?.until, new Date(end).toISOString());
  assert.match(seen?.text ?? '', /meeting until/);

  // The feed breaks: the calendar turns stale, the last good meeting still counts.
  ics = 'not a calendar';
  await bob.api.request('me.calendar.sync', {}).catch(() => undefined);
  assert.equal((await bob.api.request('me.calendar.get', {})).stale, true);
  const again = await alice.api.request('presence.list', { query: { users: 'bob@example.test' } });
  assert.equal(again.presence[0]?.availability, 'busy');
});
