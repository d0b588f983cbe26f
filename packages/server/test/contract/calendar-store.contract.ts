import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/core/store.js';
import type { Tenant } from '../../src/core/tenants/model.js';
import type { User } from '../../src/core/users/model.js';
import { type StoreFactory, seededStore } from './store.contract.js';

const T0 = 1_790_000_000_000;

/** The calendar repository's contract (connections, sync state, resources), run on every store engine. */
export function calendarStoreContract(engine: string, open: StoreFactory): void {
  describe(`calendar store contract (${engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let a: Tenant;
    let b: Tenant;
    let alice: User;
    let bob: User;
    let eve: User;

    before(async () => {
      ({ store, close, a, b, alice, bob, eve } = await seededStore(open, ['ca.test', 'cb.test']));
    });
    after(() => close());

    test('put, get, list: one connection per user, tenant-scoped', async () => {
      const c = store.repos.calendars;
      await c.put(
        {
          tenantId: a.id,
          userId: alice.id,
          type: 'caldav',
          url: 'http://dav.test/alice/work/',
          username: 'alice',
          passwordSealed: 'v1:sealed',
        },
        T0,
      );
      await c.put(
        {
          tenantId: a.id,
          userId: bob.id,
          type: 'ics',
          url: 'http://x.test/b.ics',
          username: null,
          passwordSealed: null,
        },
        T0,
      );
      await c.put(
        {
          tenantId: b.id,
          userId: eve.id,
          type: 'ics',
          url: 'http://x.test/e.ics',
          username: null,
          passwordSealed: null,
        },
        T0,
      );
      const got = await c.get(a.id, alice.id);
      assert.deepEqual(got, {
        tenantId: a.id,
        userId: alice.id,
        type: 'caldav',
        url: 'http://dav.test/alice/work/',
        username: 'alice',
        passwordSealed: 'v1:sealed',
        etag: null,
        lastModified: null,
        syncToken: null,
        ctag: null,
        lastSyncAt: null,
        lastAttemptAt: null,
        lastError: null,
        stale: false,
        failures: 0,
        nextAttemptAt: null,
        createdAt: T0,
        updatedAt: T0,
      });
      assert.equal(await c.get(b.id, alice.id), undefined, 'another tenant does not see it');
      assert.deepEqual((await c.list(a.id)).map((x) => x.userId).sort(), [alice.id, bob.id].sort());
      assert.deepEqual(
        (await c.list(b.id)).map((x) => x.userId),
        [eve.id],
      );
    });

    test('success and failure record sync state; failure keeps validators and resources', async () => {
      const c = store.repos.calendars;
      await c.applyResources(
        a.id,
        alice.id,
        [
          { href: '/alice/work/1.ics', etag: '"1"', data: 'BEGIN:VCALENDAR' },
          { href: '/alice/work/2.ics', etag: '"2"', data: 'BEGIN:VCALENDAR' },
        ],
        [],
      );
      await c.recordSuccess(
        a.id,
        alice.id,
        { etag: null, lastModified: null, syncToken: 'tok-1', ctag: 'c1' },
        T0 + 10,
        T0 + 310,
      );
      await c.recordFailure(a.id, alice.id, 'HTTP 401 Unauthorized', T0 + 20, {
        failures: 3,
        nextAttemptAt: T0 + 1220,
      });
      const got = await c.get(a.id, alice.id);
      assert.equal(got?.stale, true);
      assert.equal(got?.lastError, 'HTTP 401 Unauthorized');
      assert.equal(got?.syncToken, 'tok-1');
      assert.equal(got?.lastSyncAt, T0 + 10);
      assert.equal(got?.lastAttemptAt, T0 + 20);
      assert.equal(got?.failures, 3);
      assert.equal(got?.nextAttemptAt, T0 + 1220);
      assert.equal((await c.resources(a.id, alice.id)).length, 2);
      await c.recordSuccess(
        a.id,
        alice.id,
        { etag: null, lastModified: null, syncToken: 'tok-2', ctag: 'c2' },
        T0 + 30,
        T0 + 330,
      );
      const ok = await c.get(a.id, alice.id);
      assert.equal(ok?.stale, false);
      assert.equal(ok?.lastError, null);
      assert.equal(ok?.syncToken, 'tok-2');
      assert.equal(ok?.failures, 0);
      assert.equal(ok?.nextAttemptAt, T0 + 330);
      // the other tenant's failure does not touch tenant a's row
      await c.recordFailure(b.id, alice.id, 'nope', T0 + 40, { failures: 1, nextAttemptAt: T0 + 99 });
      assert.equal((await c.get(a.id, alice.id))?.stale, false);
    });

    test('due: connections whose next attempt has come (or was never set), tenant-scoped', async () => {
      const c = store.repos.calendars;
      const due = async (tenantId: string, now: number) => (await c.due(tenantId, now)).map((x) => x.userId).sort();
      // alice is due at T0 + 330, bob has never been polled
      assert.deepEqual(await due(a.id, T0 + 329), [bob.id]);
      assert.deepEqual(await due(a.id, T0 + 330), [alice.id, bob.id].sort());
      assert.deepEqual(await due(b.id, T0 + 330), [eve.id]);
    });

    test('clearResources forgets the resources and the validators, not the error or the backoff', async () => {
      const c = store.repos.calendars;
      await c.recordSuccess(b.id, eve.id, { etag: '"e"', lastModified: 'x', syncToken: null, ctag: null }, T0, T0);
      await c.recordFailure(b.id, eve.id, 'too complex', T0 + 50, { failures: 2, nextAttemptAt: T0 + 650 });
      await c.applyResources(b.id, eve.id, [{ href: 'http://x.test/e.ics', etag: '"e"', data: 'bomb' }], []);
      await c.clearResources(a.id, eve.id);
      assert.equal((await c.resources(b.id, eve.id)).length, 1, 'not through another tenant');
      await c.clearResources(b.id, eve.id);
      assert.deepEqual(await c.resources(b.id, eve.id), []);
      const got = await c.get(b.id, eve.id);
      assert.equal(got?.etag, null);
      assert.equal(got?.lastModified, null);
      assert.equal(got?.lastError, 'too complex');
      assert.equal(got?.failures, 2);
      assert.equal(got?.nextAttemptAt, T0 + 650);
    });

    test('resources: apply changes and removals, replace all, scoped by tenant', async () => {
      const c = store.repos.calendars;
      await c.applyResources(
        a.id,
        alice.id,
        [{ href: '/alice/work/2.ics', etag: '"2b"', data: 'changed' }],
        ['/alice/work/1.ics'],
      );
      assert.deepEqual(await c.resources(a.id, alice.id), [
        { href: '/alice/work/2.ics', etag: '"2b"', data: 'changed' },
      ]);
      assert.deepEqual(await c.resources(b.id, alice.id), []);
      await c.replaceResources(a.id, alice.id, [
        { href: '/alice/work/3.ics', etag: null, data: 'x' },
        { href: '/alice/work/4.ics', etag: '"4"', data: 'y' },
      ]);
      assert.deepEqual(
        (await c.resources(a.id, alice.id)).map((r) => r.href),
        ['/alice/work/3.ics', '/alice/work/4.ics'],
      );
    });

    test('put again replaces the connection and forgets state; delete removes it with its resources', async () => {
      const c = store.repos.calendars;
      await c.put(
        {
          tenantId: a.id,
          userId: alice.id,
          type: 'ics',
          url: 'http://x.test/a.ics',
          username: null,
          passwordSealed: null,
        },
        T0 + 50,
      );
      const got = await c.get(a.id, alice.id);
      assert.equal(got?.type, 'ics');
      assert.equal(got?.syncToken, null);
      assert.equal(got?.createdAt, T0);
      assert.equal(got?.updatedAt, T0 + 50);
      assert.equal(got?.failures, 0, 'a new calendar starts without backoff');
      assert.equal(got?.nextAttemptAt, null);
      assert.deepEqual(await c.resources(a.id, alice.id), []);
      await c.applyResources(a.id, alice.id, [{ href: 'http://x.test/a.ics', etag: null, data: 'z' }], []);
      assert.equal(await c.delete(b.id, alice.id), false, 'not from another tenant');
      assert.equal(await c.delete(a.id, alice.id), true);
      assert.equal(await c.get(a.id, alice.id), undefined);
      assert.deepEqual(await c.resources(a.id, alice.id), []);
    });

    test('deleting the user removes their calendar', async () => {
      await store.repos.users.delete(a.id, bob.id);
      assert.equal(await store.repos.calendars.get(a.id, bob.id), undefined);
    });
  });
}
