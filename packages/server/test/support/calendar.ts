import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type CalendarOptions, CalendarService } from '../../src/core/calendar/service.js';
import type { CoreContext } from '../../src/core/context.js';
import type { EventMap } from '../../src/core/events.js';
import { Hooks } from '../../src/core/hooks.js';
import type { CalendarSnapshot } from '../../src/core/presence/model.js';
import { Store } from '../../src/core/store.js';
import { MemoryBus } from '../../src/platform/bus/memory.js';
import { LocalCluster } from '../../src/platform/cluster/local.js';
import { OutboundPolicy } from '../../src/platform/outbound.js';
import { SecretBox } from '../../src/platform/secrets.js';
import { connect } from '../../src/platform/store/connect.js';
import { tenantFixture, userFixture } from '../contract/store.contract.js';

/**
 * A calendar service on a fresh SQLite store, with a recording sink, captured logs and a hand-moved
 * clock. Its calendars may reach loopback (where the tests' servers listen) unless `allow` says otherwise.
 */
export async function calendarHarness(
  options: { pollSeconds?: number; timeZone?: string; allow?: string[] } & Partial<
    Pick<CalendarOptions, 'maxInstances' | 'maxRecurrenceSteps' | 'expandTimeoutSeconds' | 'maxBackoffHours'>
  > = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cal-'));
  const { db, engine } = connect({ url: `sqlite:${join(dir, 'test.sqlite')}` });
  const store = new Store(db, engine);
  await store.migrate();
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, cb) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        cb();
      },
    }),
  );
  const clock = {
    t: Date.now(),
    now() {
      return this.t;
    },
  };
  const ctx: CoreContext = {
    store,
    bus: new MemoryBus<EventMap>(log),
    cluster: new LocalCluster('test', clock),
    hooks: new Hooks(log),
    clock,
    log,
  };
  const snapshots: { tenantId: string; userId: string; snapshot: CalendarSnapshot }[] = [];
  const service = new CalendarService(ctx, {
    pollSeconds: options.pollSeconds ?? 300,
    concurrency: 2,
    timeoutSeconds: 5,
    maxBytes: 1024 * 1024,
    windowDays: 14,
    timeZone: options.timeZone ?? 'UTC',
    maxInstances: options.maxInstances ?? 10_000,
    maxRecurrenceSteps: options.maxRecurrenceSteps ?? 100_000,
    expandTimeoutSeconds: options.expandTimeoutSeconds ?? 30,
    maxBackoffHours: options.maxBackoffHours ?? 24,
    workers: 1,
    maxQueuedExpansions: 100,
    workerMemoryMegabytes: 256,
    secrets: new SecretBox(randomBytes(32)),
    outbound: new OutboundPolicy(options.allow ?? ['127.0.0.0/8', '::1']),
    sink: { setCalendar: async (tenantId, userId, snapshot) => void snapshots.push({ tenantId, userId, snapshot }) },
  });
  const tenant = tenantFixture('cal.test');
  await store.repos.tenants.insert(tenant);
  const alice = userFixture(tenant.id, 'alice', 'cal.test');
  await store.repos.users.insert(alice);
  return {
    store,
    service,
    clock,
    logs,
    snapshots,
    tenant,
    alice,
    last: () => snapshots.at(-1)?.snapshot,
    warnings: (text: string) => logs.filter((l) => l.level === 40 && l.msg.includes(text)),
    close: async () => {
      await service.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An iCalendar UTC stamp (20260101T000000Z) of epoch ms. */
export const icsStamp = (ms: number) => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

/**
 * The outside review's calendar bomb: `events` VEVENTs with RRULE:FREQ=SECONDLY and neither COUNT
 * nor UNTIL, starting at `start` (200 events make about 27 KB).
 */
export function secondlyBomb(start: number, events = 200): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//attacker//bomb//EN'];
  for (let i = 0; i < events; i++) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:bomb-${i}@a.test`,
      `DTSTART:${icsStamp(start + i * 1000)}`,
      `DTEND:${icsStamp(start + i * 1000 + 500)}`,
      'RRULE:FREQ=SECONDLY',
      `SUMMARY:Bomb ${i}`,
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}
