// CalDAV against a real Radicale (Debian package `radicale`), started here on a free loopback port
// with a throwaway config and storage folder.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calendarHarness } from '../support/calendar.js';
import { requirePeer } from '../support/interop.js';

const skipped = await requirePeer('Radicale', async () => {
  const r = spawnSync('radicale', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.error?.message ?? (r.stderr || 'radicale not installed'));
});

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const stamp = (ms: number) => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
const DAY = 86_400_000;
const HOUR = 3_600_000;

if (!skipped) {
  describe('CalDAV source against Radicale', () => {
    let dir: string;
    let proc: ChildProcess;
    let base: string;
    let h: Awaited<ReturnType<typeof calendarHarness>>;
    const auth = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
    const dav = async (method: string, path: string, body?: string, type = 'text/calendar; charset=utf-8') => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: auth, ...(body && { 'content-type': type }) },
        ...(body !== undefined && { body }),
      });
      await res.text();
      return res.status;
    };
    // Today at 00:00 UTC: events sit on whole hours from there.
    const day0 = Math.floor(Date.now() / DAY) * DAY;
    const event = (uid: string, summary: string, start: number, extra: string[] = []) =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//Parley interop//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        `DTSTART:${stamp(start)}`,
        `DTEND:${stamp(start + HOUR)}`,
        `SUMMARY:${summary}`,
        ...extra,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'parley-radicale-'));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      writeFileSync(join(dir, 'users'), 'alice:secret\n');
      writeFileSync(
        join(dir, 'config'),
        [
          '[server]',
          `hosts = 127.0.0.1:${port}`,
          '[auth]',
          'type = htpasswd',
          `htpasswd_filename = ${join(dir, 'users')}`,
          'htpasswd_encryption = plain',
          '[storage]',
          `filesystem_folder = ${join(dir, 'cal')}`,
          '[logging]',
          'level = warning',
          '',
        ].join('\n'),
      );
      proc = spawn('radicale', ['--config', join(dir, 'config')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (d) => {
        stderr += d;
      });
      for (let i = 0; ; i++) {
        try {
          await fetch(`${base}/.web/`);
          break;
        } catch {
          if (i > 100 || proc.exitCode !== null) throw new Error(`radicale did not start: ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      assert.equal(await dav('MKCALENDAR', '/alice/work/'), 201);
      assert.equal(
        await dav('PUT', '/alice/work/single.ics', event('single@t', 'Design review', day0 + DAY + 9 * HOUR)),
        201,
      );
      assert.equal(
        await dav(
          'PUT',
          '/alice/work/daily.ics',
          event('daily@t', 'Standup', day0 - 3 * DAY + 8 * HOUR, ['RRULE:FREQ=DAILY;COUNT=10']),
        ),
        201,
      );
      h = await calendarHarness();
      await h.service.set(h.tenant.id, h.alice.id, {
        type: 'caldav',
        url: `${base}/alice/work/`,
        username: 'alice',
        password: 'secret',
      });
    });
    after(async () => {
      proc?.kill();
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('first poll finds the events and expands the recurring one', async () => {
      const v = await h.service.sync(h.tenant.id, h.alice.id);
      assert.equal(v.stale, false, v.lastError ?? '');
      assert.equal(h.service.lastStats?.downloaded, 2);
      const blocks = h.last()?.blocks ?? [];
      const standups = blocks.filter((b) => b.subject === 'Standup').map((b) => b.start);
      // COUNT=10 from three days ago: yesterday through six days ahead are in the window (now-1 day … +14 days)
      assert.ok(standups.includes(day0 + 8 * HOUR) || standups.includes(day0 + DAY + 8 * HOUR));
      assert.ok(standups.includes(day0 + 6 * DAY + 8 * HOUR));
      assert.ok(!standups.includes(day0 + 7 * DAY + 8 * HOUR), 'COUNT ends the series');
      assert.ok(blocks.some((b) => b.subject === 'Design review' && b.start === day0 + DAY + 9 * HOUR));
    });

    test('a second poll with nothing changed is one request and downloads no calendar data', async () => {
      await h.service.sync(h.tenant.id, h.alice.id);
      assert.deepEqual(h.service.lastStats, { requests: 1, downloaded: 0 });
      assert.equal(h.last()?.blocks.filter((b) => b.subject === 'Design review').length, 1);
    });

    test('a change shows up, fetching only the changed object (sync-collection)', async () => {
      assert.equal(
        await dav('PUT', '/alice/work/single.ics', event('single@t', 'Design review (moved)', day0 + DAY + 13 * HOUR)),
        201,
      );
      await h.service.sync(h.tenant.id, h.alice.id);
      assert.equal(h.service.lastStats?.downloaded, 1);
      const blocks = h.last()?.blocks ?? [];
      assert.ok(blocks.some((b) => b.subject === 'Design review (moved)' && b.start === day0 + DAY + 13 * HOUR));
      assert.ok(!blocks.some((b) => b.subject === 'Design review'));
      assert.ok(
        blocks.some((b) => b.subject === 'Standup'),
        'unchanged objects stay',
      );
    });

    test('a deleted event disappears', async () => {
      assert.equal(await dav('DELETE', '/alice/work/single.ics'), 200);
      await h.service.sync(h.tenant.id, h.alice.id);
      assert.equal(h.service.lastStats?.downloaded, 0);
      assert.ok(!(h.last()?.blocks ?? []).some((b) => b.subject?.startsWith('Design review')));
    });

    test('a wrong password: stale, error reported once, last good blocks kept', async () => {
      await h.service.set(h.tenant.id, h.alice.id, {
        type: 'caldav',
        url: `${base}/alice/work/`,
        username: 'alice',
        password: 'secret',
      });
      await h.service.sync(h.tenant.id, h.alice.id);
      // Same connection, now with a wrong password: sealed into the row directly, as a changed password would be.
      const row = await h.store.repos.calendars.get(h.tenant.id, h.alice.id);
      assert.ok(row);
      const sealed = h.service.options.secrets.seal('wrong', `calendar/${h.tenant.id}/${h.alice.id}`);
      await h.store.db
        .updateTable('calendar_connections')
        .set({ password_sealed: sealed })
        .where('user_id', '=', h.alice.id)
        .execute();
      for (let i = 0; i < 3; i++) {
        const v = await h.service.sync(h.tenant.id, h.alice.id);
        assert.equal(v.stale, true);
        assert.match(v.lastError ?? '', /authentication failed/);
        assert.equal(h.last()?.stale, true);
        assert.ok((h.last()?.blocks ?? []).some((b) => b.subject === 'Standup'));
      }
      assert.equal(h.warnings('calendar unavailable').length, 1);
    });
  });
}
