import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Calendar } from '@parley/api';
import { expandTask } from '../src/core/calendar/expander.js';
import { secondlyBomb } from './support/calendar.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

// Finding 3 of the security review: 200 FREQ=SECONDLY events (27 KB) blocked the event loop for a
// minute at every poll. Now the calendar is expanded in a worker thread within a budget and a time
// limit, fails with the reason and backs off, also across a restart.
const loopback = { 'outbound.allow': ['127.0.0.0/8', '::1'] };

let feed: Server;
let feedUrl: string;
let hits = 0;
before(async () => {
  feed = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/calendar' });
    res.end(secondlyBomb(Date.now() - 3_600_000));
  });
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/bomb.ics`;
});
after(() => new Promise((r) => feed.close(r)));

/** Runs `work` while timing /healthz round trips and the event loop's delay; returns the worst of each in ms. */
async function whileResponsive<T>(
  t: TestServer,
  work: Promise<T>,
): Promise<{ result: T; loop: number; healthz: number }> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let done = false;
  let healthz = 0;
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(60_000) });
      assert.equal(res.status, 200);
      healthz = Math.max(healthz, performance.now() - started);
    }
  })();
  try {
    const result = await work;
    return { result, loop: delay.max / 1e6, healthz };
  } finally {
    done = true;
    await probe;
    delay.disable();
  }
}

const DAY = 86_400_000;

/**
 * Milliseconds the bomb takes to expand on this thread, now, with `t`'s calendar settings and at
 * most `maxInstances` instances: how long the event loop would stand still (at least) if the
 * server expanded it on its main thread. Measured right after the server's run, so on a busy
 * machine both are slow alike; the bounds below are this time, not a fixed one.
 */
function bombOnThisThread(t: TestServer, maxInstances: number): number {
  const c = t.config.calendar;
  const now = Date.now();
  const started = performance.now();
  assert.throws(
    () =>
      expandTask({
        strict: [secondlyBomb(now - 3_600_000)],
        lenient: [],
        from: now - DAY,
        to: now + c.windowDays * DAY,
        timeZone: c.timeZone,
        maxBytes: c.maxBytes,
        maxInstances,
        maxTotalSteps: c.maxRecurrenceSteps,
      }),
    /^CalendarTooComplexError: calendar too complex/,
  );
  return performance.now() - started;
}

const sync = async (t: TestServer, token: string): Promise<Calendar> => {
  const res = await call(t.url, 'POST', '/api/v1/me/calendar/sync', { token });
  assert.equal(res.status, 200, res.text);
  return res.body as Calendar;
};

describe('a calendar bomb (200 × RRULE:FREQ=SECONDLY, 27 KB)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ ...loopback });
  });
  after(() => t.stop());

  test('fails as too complex while the event loop stays free, and backs off', async () => {
    const mallory = await t.user('mallory@bomb.test');
    const put = await call(t.url, 'PUT', '/api/v1/me/calendar', {
      token: mallory.token,
      body: { type: 'ics', url: feedUrl },
    });
    assert.equal(put.status, 200, put.text);
    const { result: view, loop, healthz } = await whileResponsive(t, sync(t, mallory.token));
    assert.equal(view.stale, true);
    assert.equal(view.lastError, 'calendar too complex: more than 10,000 instances in the window');
    const bomb = bombOnThisThread(t, t.config.calendar.maxInstances);
    assert.ok(loop < bomb, `event loop blocked for ${loop} ms, the bomb takes ${bomb} ms`);
    assert.ok(healthz < bomb, `/healthz took ${healthz} ms, the bomb takes ${bomb} ms`);
    // No busy blocks are kept from the bomb.
    const mine = await mallory.api.request('presence.me.get', { query: {} });
    assert.equal(mine.calendar?.stale, true);
    assert.notEqual(mine.presence.availability, 'busy');
    assert.ok(!mine.presence.flags.includes('meeting'));

    // First failure: the next poll after the usual interval; every further failure doubles it.
    const poll = t.config.calendar.pollSeconds * 1000;
    const wait = (v: Calendar) => Date.parse(v.nextAttemptAt ?? '') - Date.parse(v.lastAttemptAt ?? '');
    assert.equal(wait(view), poll);
    assert.equal(wait(await sync(t, mallory.token)), 2 * poll);
    assert.equal(wait(await sync(t, mallory.token)), 4 * poll);
    // The admin's view shows the same reason.
    const admin = await t.user('admin@bomb.test', { role: 'tenant-admin' });
    const seen = await call(t.url, 'GET', `/api/v1/admin/users/${mallory.userId}/calendar`, { token: admin.token });
    assert.match((seen.body as Calendar).lastError ?? '', /^calendar too complex/);
  });
});

describe('the expansion time limit', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      ...loopback,
      'calendar.expandTimeoutSeconds': 0.5,
      'calendar.maxInstances': 1_000_000,
      'calendar.maxRecurrenceSteps': 10_000_000,
    });
  });
  after(() => t.stop());

  test('a calendar within a large budget but past the time limit: the worker is terminated, the calendar failed', async () => {
    const trudy = await t.user('trudy@slow.test');
    await trudy.api.request('me.calendar.put', { body: { type: 'ics', url: feedUrl } });
    const { result: view, loop } = await whileResponsive(t, sync(t, trudy.token));
    assert.equal(view.stale, true);
    assert.equal(view.lastError, 'calendar too complex: expansion took longer than 0.5 s');
    // Its first 10,000 instances are a part of what the worker was doing when it was stopped.
    const part = bombOnThisThread(t, 10_000);
    assert.ok(loop < part, `event loop blocked for ${loop} ms, a part of the bomb takes ${part} ms`);
    // The pool replaced the worker: a harmless calendar still expands.
    const carol = await t.user('carol@slow.test');
    const feedOk = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/calendar' });
      res.end('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n');
    });
    await new Promise<void>((r) => feedOk.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(feedOk.address() as AddressInfo).port}/ok.ics`;
      await carol.api.request('me.calendar.put', { body: { type: 'ics', url } });
      const ok = await sync(t, carol.token);
      assert.equal(ok.stale, false, ok.lastError ?? '');
    } finally {
      await new Promise((r) => feedOk.close(r));
    }
  });
});

describe('backoff across a restart', () => {
  test('a failed calendar is not polled again at start; its next attempt is kept', async () => {
    const first = await startTestServer({ ...loopback });
    const victor = await first.user('victor@restart.test');
    await victor.api.request('me.calendar.put', { body: { type: 'ics', url: feedUrl } });
    const failed = await sync(first, victor.token);
    assert.match(failed.lastError ?? '', /^calendar too complex/);
    await first.server.stop(); // keeps the data folder

    const second = await startTestServer({ ...loopback, dataDir: first.dataDir });
    try {
      const before = hits;
      await second.core.calendar.pollDue();
      assert.equal(hits, before, 'the failed calendar was polled again right after the restart');
      const view = await second.core.calendar.get(victor.tenantId, victor.userId);
      assert.equal(view.nextAttemptAt, Date.parse(failed.nextAttemptAt ?? ''));
      assert.equal(view.lastError, failed.lastError);
    } finally {
      await second.stop();
    }
  });
});
