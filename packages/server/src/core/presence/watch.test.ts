import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../../create-server.js';
import { loadConfig } from '../../platform/config/load.js';
import type { Core } from '../index.js';
import type { User } from '../users/model.js';
import { CLIENT_TTL_MS } from './clients.js';
import type { Availability, Team } from './model.js';
import type { PresenceSeen, PresenceWatch } from './watch.js';
import { type Relation, visibleTo, type Watcher, watcherOf } from './watchers.js';

const H = 3_600_000;
const WAIT_MS = 5000;

/** Polls `probe` until it holds (a generous bound, not a fixed wait). */
async function eventually(probe: () => boolean | Promise<boolean>, what: () => string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let now = Date.UTC(2026, 2, 2, 9, 0);
let core: Core;
before(async () => {
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'auth.scryptCost': 1024 } });
  core = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
});
after(() => closeCore(core));

/** A user of a tenant of the given domain (made if new). */
async function userOf(local: string, domain: string): Promise<User> {
  const tenant = await core.tenants.byDomain(domain).catch(() => core.tenants.create({ domain }));
  return (await core.users.create(tenant.id, { local, domain, role: 'user', password: 'secret-password' })).user;
}

describe('presence.watch', () => {
  let tenantId: string;
  const users: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', User> = {} as never;
  let team: Team;
  /** Who watches: alice herself, carol (her team), bob twice (two clients), dave (blocked), someone elsewhere. */
  const names = ['alice', 'carol', 'bob', 'bob2', 'dave', 'far'] as const;
  type Name = (typeof names)[number];
  const watches = {} as Record<Name, { handle: PresenceWatch; seen: PresenceSeen[] }>;
  const far: Watcher = { tenantId: null, userId: null, address: 'x@far.test' };

  const setSubject = (subject: string) =>
    core.presence.setCalendar(tenantId, users.alice.id, {
      blocks: [{ start: now + H, end: now + 2 * H, show: 'busy', subject }],
      fetchedAt: now,
      stale: false,
    });
  const ofAlice = (name: Name) => watches[name].seen.filter((s) => s.userId === users.alice.id);

  let marker: Availability = 'away';
  /**
   * Waits until every open watch has seen erin's next change: a watch hands on changes in the
   * order they were published, so whatever came before it has been handed on (or left out).
   */
  const barrier = async (open: readonly Name[] = names) => {
    marker = marker === 'away' ? 'busy' : 'away';
    const availability = marker;
    await core.presence.setManual(tenantId, users.erin.id, { availability });
    const got = (n: Name) =>
      watches[n].seen.some((s) => s.userId === users.erin.id && s.presence.availability === availability);
    await eventually(
      () => open.every(got),
      () => `erin's ${availability} reached only ${open.filter(got).join(', ')}`,
    );
  };

  before(async () => {
    for (const local of ['alice', 'bob', 'carol', 'dave', 'erin'] as const)
      users[local] = await userOf(local, 'w.test');
    tenantId = users.alice.tenantId;
    team = await core.presence.watchers.createTeam(tenantId, 'Core', [users.alice.id, users.carol.id]);
    await core.presence.watchers.block(tenantId, users.alice.id, 'dave@w.test');
    await core.presence.clientConnected(tenantId, users.alice.id, 'a1', { mobile: false, sessionId: null });
    await setSubject('Board');
    const watcherNamed = (n: Name): Watcher => (n === 'far' ? far : watcherOf(users[n === 'bob2' ? 'bob' : n]));
    for (const n of names) {
      const seen: PresenceSeen[] = [];
      watches[n] = { handle: core.presence.watch(tenantId, watcherNamed(n), (s) => void seen.push(s)), seen };
    }
  });
  after(() => {
    for (const n of names) watches[n].handle.close();
  });

  test('a change reaches each watcher as its relation may see it, only when what it sees changed', async () => {
    const all: Record<Name, Relation | null> = {
      alice: 'self',
      carol: 'team',
      bob: 'colleague',
      bob2: 'colleague',
      far: 'external',
      dave: null,
    };
    const rows: { change: string; act: () => Promise<unknown>; reaches: Record<Name, Relation | null> }[] = [
      {
        change: 'busy with a note',
        act: () => core.presence.setManual(tenantId, users.alice.id, { availability: 'busy', note: 'call me' }),
        reaches: all,
      },
      {
        change: 'only the note',
        act: () => core.presence.setManual(tenantId, users.alice.id, { availability: 'busy', note: 'later' }),
        reaches: { ...all, far: null },
      },
      {
        change: "only the next meeting's subject",
        act: () => setSubject('Board (moved)'),
        reaches: { ...all, bob: null, bob2: null, far: null },
      },
    ];
    for (const { change, act, reaches } of rows) {
      for (const n of names) watches[n].seen.length = 0;
      await act();
      await barrier();
      const presence = await core.presence.get(tenantId, users.alice.id);
      for (const n of names) {
        const got = ofAlice(n);
        const relation = reaches[n];
        if (relation === null) {
          assert.deepEqual(got, [], `${change}: ${n} gets nothing`);
          continue;
        }
        assert.equal(got.length, 1, `${change}: ${n} gets it once`);
        assert.deepEqual(
          got[0],
          { userId: users.alice.id, user: 'alice@w.test', relation, presence: visibleTo(presence, relation) },
          `${change}: as ${n} sees it`,
        );
      }
      if (reaches.bob) assert.equal(ofAlice('bob')[0], ofAlice('bob2')[0], `${change}: one view per relation`);
    }
  });

  test('what each relation leaves out', async () => {
    await core.presence.setManual(tenantId, users.alice.id, { availability: 'dnd', note: 'focus' });
    await barrier();
    const last = (n: Name) => ofAlice(n).at(-1)?.presence;
    assert.equal(last('alice')?.nextAppointment?.subject, 'Board (moved)');
    assert.equal(last('carol')?.nextAppointment?.subject, 'Board (moved)');
    assert.equal(last('bob')?.nextAppointment?.subject, null);
    assert.equal(last('bob')?.note, 'focus');
    assert.deepEqual([last('far')?.availability, last('far')?.note, last('far')?.nextAppointment], ['dnd', null, null]);
    assert.equal(last('dave'), undefined, 'a blocked watcher sees alice offline throughout');
  });

  test('a team or block change hands the watcher what it may now see', async () => {
    const rows: { change: string; act: () => Promise<unknown>; relation: Relation; subject: string | null }[] = [
      {
        change: 'alice blocks bob',
        act: () => core.presence.watchers.block(tenantId, users.alice.id, 'bob@w.test'),
        relation: 'blocked',
        subject: null,
      },
      {
        change: 'alice unblocks bob',
        act: () => core.presence.watchers.unblock(tenantId, users.alice.id, 'bob@w.test'),
        relation: 'colleague',
        subject: null,
      },
      {
        change: 'bob joins her team',
        act: () => core.presence.watchers.addMember(tenantId, team.id, users.bob.id),
        relation: 'team',
        subject: 'Board (moved)',
      },
      {
        change: 'bob leaves her team',
        act: () => core.presence.watchers.removeMember(tenantId, team.id, users.bob.id),
        relation: 'colleague',
        subject: null,
      },
    ];
    for (const { change, act, relation, subject } of rows) {
      watches.bob.seen.length = 0;
      await act();
      await eventually(
        () => ofAlice('bob').length > 0,
        () => `${change}: nothing reached bob`,
      );
      const [seen, ...more] = ofAlice('bob');
      assert.deepEqual(more, [], change);
      assert.equal(seen?.relation, relation, change);
      assert.equal(seen?.presence.availability, relation === 'blocked' ? 'offline' : 'dnd', change);
      assert.equal(seen?.presence.nextAppointment?.subject ?? null, subject, change);
    }
  });

  test('a snapshot: what the watcher may see now, null for who is not a user of the tenant', async () => {
    await userOf('olga', 'other.test');
    const rows: { address: string; relation: Relation | null }[] = [
      { address: 'alice@w.test', relation: 'colleague' },
      { address: 'bob@w.test', relation: 'self' },
      { address: 'nobody@w.test', relation: null },
      { address: 'olga@other.test', relation: null },
      { address: 'alice@w.test', relation: 'colleague' },
    ];
    const snapshot = await watches.bob.handle.snapshot(rows.map((r) => r.address));
    assert.equal(snapshot.length, rows.length);
    for (const [i, { address, relation }] of rows.entries()) {
      const s = snapshot[i] ?? null;
      assert.equal(s?.relation ?? null, relation, address);
      if (s) assert.equal(s.user, address);
    }
    assert.equal(snapshot[0]?.presence.availability, 'dnd');
    assert.equal(snapshot[0]?.presence.nextAppointment?.subject, null);
  });

  test('later changes are compared with the snapshot: a relation news that changes nothing it saw is left out', async () => {
    const open = () => {
      const seen: PresenceSeen[] = [];
      return { handle: core.presence.watch(tenantId, watcherOf(users.bob), (s) => void seen.push(s)), seen };
    };
    const rows = [
      { watch: open(), snapshot: true, gets: [] as string[] },
      { watch: open(), snapshot: false, gets: ['alice@w.test'] },
    ];
    for (const r of rows) if (r.snapshot) await r.watch.handle.snapshot(['alice@w.test']);
    // As another node announces a relation change (a block or team change there); erin's comes after alice's.
    for (const userId of [users.alice.id, users.erin.id]) {
      await core.ctx.bus.publish('presence.visibility.changed', {
        tenantId,
        userIds: [userId],
        watchers: ['bob@w.test'],
      });
    }
    for (const { watch, snapshot, gets } of rows) {
      await eventually(
        () => watch.seen.some((s) => s.userId === users.erin.id),
        () => `erin did not reach the watch (snapshot: ${snapshot})`,
      );
      watch.handle.close();
      assert.deepEqual(
        watch.seen.filter((s) => s.userId !== users.erin.id).map((s) => s.user),
        gets,
        `snapshot: ${snapshot}`,
      );
    }
  });

  test("a federated watcher gets what it saw again, as its domain's new trust level allows", async () => {
    const rows: { level: 'trusted' | 'public'; relation: Relation }[] = [
      { level: 'trusted', relation: 'colleague' },
      { level: 'public', relation: 'external' },
    ];
    for (const { level, relation } of rows) {
      watches.far.seen.length = 0;
      await core.federation.setDomain(tenantId, 'far.test', level);
      await eventually(
        () => ofAlice('far').length > 0,
        () => `${level}: alice did not reach far`,
      );
      const presence = await core.presence.get(tenantId, users.alice.id);
      assert.deepEqual(ofAlice('far').at(-1)?.presence, visibleTo(presence, relation), level);
      assert.equal(ofAlice('far').at(-1)?.relation, relation, level);
    }
  });

  test('a closed watch hands on nothing more', async () => {
    watches.bob2.handle.close();
    for (const n of ['bob', 'bob2'] as const) watches[n].seen.length = 0;
    await core.presence.setManual(tenantId, users.alice.id, { availability: 'away' });
    await barrier(names.filter((n) => n !== 'bob2'));
    assert.equal(ofAlice('bob').length, 1);
    assert.deepEqual(watches.bob2.seen, []);
  });
});

describe('presence.attachClient', () => {
  let frank: User;
  const availability = async () => (await core.presence.get(frank.tenantId, frank.id)).availability;
  const shows = (wanted: Availability) =>
    eventually(
      async () => (await availability()) === wanted,
      () => `frank is not ${wanted}`,
    );

  before(async () => {
    frank = await userOf('frank', 'c.test');
  });

  test('an attached client is an input of its user until it detaches', async () => {
    const rows = [
      { client: 'a desktop', mobile: false, flags: [] },
      { client: 'a phone', mobile: true, flags: ['mobile'] },
    ];
    for (const { client, mobile, flags } of rows) {
      const attached = core.presence.attachClient(frank.tenantId, frank.id, { mobile, sessionId: null });
      await shows('available');
      assert.deepEqual((await core.presence.get(frank.tenantId, frank.id)).flags, flags, client);
      await attached.detach();
      assert.equal(await availability(), 'offline', client);
      await attached.detach();
      assert.equal(await availability(), 'offline', `${client}: a second detach changes nothing`);
    }
  });

  test('while attached, the input is kept alive before it expires, and added again once it has', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const attached = core.presence.attachClient(frank.tenantId, frank.id, { mobile: false, sessionId: 's1' });
      await shows('available');
      const expiry = async () =>
        (await core.ctx.store.repos.presence.inputs(frank.tenantId, frank.id, now)).find((s) => s.source === 'client')
          ?.expiresAt;
      const first = await expiry();
      // In time: the refresh moves the expiry on, so the input outlives its first expiry.
      now += CLIENT_TTL_MS - 1000;
      mock.timers.tick(40_000);
      await eventually(
        async () => (await expiry()) !== first,
        () => 'the refresh did not move the expiry on',
      );
      now += 2000;
      await core.presence.tick();
      assert.equal(await availability(), 'available');
      // Too late (a stalled node): the input expired and the user shows offline until the next refresh.
      now += CLIENT_TTL_MS;
      await core.presence.tick();
      assert.equal(await availability(), 'offline');
      mock.timers.tick(40_000);
      await shows('available');
      await attached.detach();
      assert.equal(await availability(), 'offline');
    } finally {
      mock.timers.reset();
    }
  });

  test('each client is refreshed 40 s after its attach or last refresh, not all at once', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const grace = await userOf('grace', 'c.test');
      const expiry = async (u: User) =>
        (await core.ctx.store.repos.presence.inputs(u.tenantId, u.id, now)).find((s) => s.source === 'client')
          ?.expiresAt;
      const first = core.presence.attachClient(frank.tenantId, frank.id, { mobile: false, sessionId: null });
      await first.ready;
      now += 20_000;
      const second = core.presence.attachClient(grace.tenantId, grace.id, { mobile: false, sessionId: null });
      await second.ready;
      const [frank0, grace0] = [await expiry(frank), await expiry(grace)];
      // 40 s after the first attach: only the first client is due.
      now += 20_000;
      mock.timers.tick(1000);
      await eventually(
        async () => (await expiry(frank)) !== frank0,
        () => 'the first client was not refreshed when due',
      );
      assert.equal(await expiry(grace), grace0, 'the second client is not due yet');
      now += 20_000;
      mock.timers.tick(1000);
      await eventually(
        async () => (await expiry(grace)) !== grace0,
        () => 'the second client was not refreshed when due',
      );
      await Promise.all([first.detach(), second.detach()]);
    } finally {
      mock.timers.reset();
    }
  });
});
