// Tenant isolation over the whole route table (docs/security.md): every route, called by a user
// and by a tenant admin of another tenant and anonymously, aimed at tenant A's resources, is
// refused or answers only about the caller's own tenant; no answer carries tenant A's data and A's
// state is the same afterwards. Every route must have an entry below, so a new route cannot be
// added without saying how it is attacked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RouteName, type RouteSpec, routes } from '@parley/api';
import { call, type RawResponse } from './support/http.js';
import type { Person } from './support/people.js';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, phoneFor, type SipPhone } from './support/sip-phone.js';

/** What tenant A holds; ids are filled in by the setup. */
interface Victim {
  tenantId: string;
  aliceId: string;
  sessionId: string;
  conversationId: string;
  messageId: string;
  teamId: string;
  sourceId: string;
  deviceId: string;
  callId: string;
  journalEntryId: string;
  callBackId: string;
}

/** How a route is attacked: path parameters, query and body that point at tenant A. */
interface Attack {
  params?: (v: Victim) => Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /**
   * `refused`: an outsider must get 401/403/404 (400/409 where the body names A's data and the
   * service refuses it as unknown). `own`: the route acts on the caller's own data, so success is
   * fine — but the answer must not carry A's data. `skip-outsider`: would end the attacker's own
   * session or lock them out (logout, password change); only the anonymous call is made.
   */
  kind: 'refused' | 'own' | 'skip-outsider';
}

const ALICE = 'alice@a.test';
/** Strings only tenant A's data contains; none may reach an attacker. */
const MARKERS = [
  'MARKER-A-NAME',
  'MARKER-A-TEXT',
  'MARKER-A-CONV',
  'MARKER-A-TEAM',
  'MARKER-A-SOURCE',
  'MARKER-A-NOTE',
  'MARKER-A-MEMO',
];

const attacks: Record<RouteName, Attack> = {
  'auth.login': { kind: 'own', body: { user: ALICE, password: 'wrong-guess' } },
  'auth.cookie': { kind: 'own', body: { user: ALICE, password: 'wrong-guess' } },
  'auth.logout': { kind: 'skip-outsider' },
  'auth.ticket': { kind: 'own' },
  'me.get': { kind: 'own' },
  'me.update': { kind: 'own', body: { displayName: 'Mallory' } },
  'me.password': { kind: 'skip-outsider', body: { current: 'x', password: 'y-long-enough-password' } },
  'me.sessions': { kind: 'own' },
  'me.sessions.revoke': { kind: 'refused', params: (v) => ({ id: v.sessionId }) },
  'admin.users.list': { kind: 'own' },
  'admin.users.create': {
    kind: 'refused',
    body: { local: 'intruder', domain: 'a.test', role: 'user', password: 'intruder-password-1' },
  },
  'admin.users.get': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'admin.users.update': { kind: 'refused', params: (v) => ({ id: v.aliceId }), body: { displayName: 'Owned' } },
  'admin.users.delete': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'admin.users.password': {
    kind: 'refused',
    params: (v) => ({ id: v.aliceId }),
    body: { password: 'taken-over-password-1' },
  },
  'admin.tenants.list': { kind: 'refused' },
  'admin.tenants.create': { kind: 'refused', body: { domain: 'c.test' } },
  'admin.tenants.get': { kind: 'refused', params: (v) => ({ id: v.tenantId }) },
  'admin.tenants.update': { kind: 'refused', params: (v) => ({ id: v.tenantId }), body: { name: 'Owned' } },
  'admin.tenants.delete': { kind: 'refused', params: (v) => ({ id: v.tenantId }) },
  'admin.tenants.domains.add': { kind: 'refused', params: (v) => ({ id: v.tenantId }), body: { domain: 'd.test' } },
  'admin.tenants.domains.remove': { kind: 'refused', params: (v) => ({ id: v.tenantId, domain: 'a.test' }) },
  'users.list': { kind: 'own', query: { q: 'alice' } },
  'me.favourites.get': { kind: 'own' },
  'me.favourites.set': { kind: 'refused', body: { favourites: [ALICE] } },
  'conversations.list': { kind: 'own' },
  'conversations.create': { kind: 'refused', body: { members: [ALICE] } },
  'conversations.get': { kind: 'refused', params: (v) => ({ id: v.conversationId }) },
  'conversations.update': { kind: 'refused', params: (v) => ({ id: v.conversationId }), body: { name: 'Owned' } },
  'conversations.members.add': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId }),
    body: { members: ['mallory@b.test'] },
  },
  'conversations.members.role': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId, userId: v.aliceId }),
    body: { role: 'member' },
  },
  'conversations.members.remove': { kind: 'refused', params: (v) => ({ id: v.conversationId, userId: v.aliceId }) },
  'conversations.leave': { kind: 'refused', params: (v) => ({ id: v.conversationId }) },
  'messages.list': { kind: 'refused', params: (v) => ({ id: v.conversationId }) },
  'messages.send': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId }),
    body: { text: 'injected', clientId: 'attack-1' },
  },
  'messages.edit': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId, messageId: v.messageId }),
    body: { text: 'edited' },
  },
  'messages.delete': { kind: 'refused', params: (v) => ({ id: v.conversationId, messageId: v.messageId }) },
  'messages.react': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId, messageId: v.messageId, emoji: '👍' }),
  },
  'messages.unreact': {
    kind: 'refused',
    params: (v) => ({ id: v.conversationId, messageId: v.messageId, emoji: '👍' }),
  },
  'conversations.receipts': { kind: 'refused', params: (v) => ({ id: v.conversationId }), body: { readSeq: 1 } },
  'conversations.typing': { kind: 'refused', params: (v) => ({ id: v.conversationId }), body: { typing: true } },
  'messages.search': { kind: 'own', query: { q: 'MARKER' } },
  'messages.changes': { kind: 'own' },
  'me.calendar.get': { kind: 'own' },
  'me.calendar.put': { kind: 'own', body: { type: 'ics', url: 'https://calendar.b.test/b.ics' } },
  'me.calendar.delete': { kind: 'own' },
  'me.calendar.sync': { kind: 'own' },
  'admin.users.calendar.get': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'admin.users.calendar.put': {
    kind: 'refused',
    params: (v) => ({ id: v.aliceId }),
    body: { type: 'ics', url: 'https://calendar.b.test/owned.ics' },
  },
  'admin.users.calendar.delete': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'admin.users.calendar.sync': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'presence.me.get': { kind: 'own' },
  'presence.me.set': { kind: 'own', body: { availability: 'busy' } },
  'presence.me.clear': { kind: 'own' },
  'presence.me.activity': { kind: 'own', body: { idle: false } },
  'presence.me.blocks': { kind: 'own' },
  'presence.me.block': { kind: 'own', params: () => ({ user: ALICE }) },
  'presence.me.unblock': { kind: 'own', params: () => ({ user: ALICE }) },
  'presence.list': { kind: 'own', query: { users: ALICE } },
  'admin.presence.phone': { kind: 'refused', body: { user: ALICE, line: 'desk', state: 'ringing' } },
  'admin.presence.phone.remove': { kind: 'refused', query: { user: ALICE, line: 'desk' } },
  'admin.teams.list': { kind: 'own' },
  'admin.teams.create': { kind: 'refused', body: { name: 'Mixed', members: [ALICE] } },
  'admin.teams.delete': { kind: 'refused', params: (v) => ({ id: v.teamId }) },
  'admin.teams.members.add': { kind: 'refused', params: (v) => ({ id: v.teamId }), body: { user: 'mallory@b.test' } },
  'admin.teams.members.remove': { kind: 'refused', params: (v) => ({ id: v.teamId, user: ALICE }) },
  'admin.cluster.status': { kind: 'refused' },
  'directory.lookup': { kind: 'own', query: { number: '+49 711 555 0100' } },
  'directory.search': { kind: 'own', query: { q: 'MARKER' } },
  'admin.directory.sources.list': { kind: 'own' },
  'admin.directory.sources.create': { kind: 'own', body: { name: 'b-book', kind: 'file', config: {} } },
  'admin.directory.sources.get': { kind: 'refused', params: (v) => ({ id: v.sourceId }) },
  'admin.directory.sources.update': { kind: 'refused', params: (v) => ({ id: v.sourceId }), body: { name: 'owned' } },
  'admin.directory.sources.delete': { kind: 'refused', params: (v) => ({ id: v.sourceId }) },
  'admin.directory.sources.test': { kind: 'refused', params: (v) => ({ id: v.sourceId }) },
  'admin.directory.sources.sync': { kind: 'refused', params: (v) => ({ id: v.sourceId }), body: {} },
  // The phone-book account is the caller's own tenant's: an outsider sets and removes theirs.
  'admin.directory.ldapAccount.get': { kind: 'own' },
  'admin.directory.ldapAccount.set': { kind: 'own' },
  'admin.directory.ldapAccount.delete': { kind: 'own' },
  'me.devices.list': { kind: 'own' },
  'me.devices.create': { kind: 'own', body: { name: 'b-phone' } },
  'me.devices.rotate': { kind: 'refused', params: (v) => ({ id: v.deviceId }) },
  'me.devices.delete': { kind: 'refused', params: (v) => ({ id: v.deviceId }) },
  'admin.users.devices.list': { kind: 'refused', params: (v) => ({ id: v.aliceId }) },
  'admin.users.devices.create': { kind: 'refused', params: (v) => ({ id: v.aliceId }), body: { name: 'implant' } },
  'admin.users.devices.rotate': { kind: 'refused', params: (v) => ({ id: v.aliceId, deviceId: v.deviceId }) },
  'admin.users.devices.delete': { kind: 'refused', params: (v) => ({ id: v.aliceId, deviceId: v.deviceId }) },
  'admin.lines.list': { kind: 'own' },
  'admin.lines.create': { kind: 'refused', body: { number: '299', user: ALICE } },
  'admin.lines.update': { kind: 'refused', params: () => ({ number: '201' }), body: { pickupGroup: 'stolen' } },
  'admin.lines.delete': { kind: 'refused', params: () => ({ number: '201' }) },
  'admin.trunks.list': { kind: 'own' },
  // A trunk is made in the caller's own tenant (a public address: nothing is connected to).
  'admin.trunks.create': { kind: 'own', body: { name: 'itsp-own', host: '93.184.216.34' } },
  'admin.trunks.delete': { kind: 'refused', params: () => ({ name: 'itsp-a' }) },
  // Federation trust: an outsider names tenant A (only a system admin may); the check is the caller's own.
  'admin.federation.get': { kind: 'refused', query: { tenant: 'a.test' } },
  'admin.federation.default.set': { kind: 'refused', query: { tenant: 'a.test' }, body: { level: 'blocked' } },
  'admin.federation.domain.get': {
    kind: 'refused',
    params: () => ({ domain: 'partner-a.test' }),
    query: { tenant: 'a.test' },
  },
  'admin.federation.domain.set': {
    kind: 'refused',
    params: () => ({ domain: 'partner-a.test' }),
    query: { tenant: 'a.test' },
    body: { level: 'blocked' },
  },
  'admin.federation.domain.delete': {
    kind: 'refused',
    params: () => ({ domain: 'partner-a.test' }),
    query: { tenant: 'a.test' },
  },
  'admin.federation.check': { kind: 'own', body: { domain: 'nowhere.invalid' } },
  // Calls: alice's ringing call in tenant A (see the setup); an outsider names it or her line.
  'calls.list': { kind: 'own' },
  'calls.make': { kind: 'refused', body: { to: '201', from: ALICE } },
  'calls.get': { kind: 'refused', params: (v) => ({ id: v.callId }) },
  'calls.answer': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { device: '201' } },
  'calls.clear': { kind: 'refused', params: (v) => ({ id: v.callId }), body: {} },
  'calls.hold': { kind: 'refused', params: (v) => ({ id: v.callId }), body: {} },
  'calls.retrieve': { kind: 'refused', params: (v) => ({ id: v.callId }), body: {} },
  'calls.alternate': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { call: 'x' } },
  'calls.reconnect': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { call: 'x' } },
  'calls.consult': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { to: '201' } },
  'calls.transfer': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { to: '201' } },
  'calls.conference': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { call: 'x' } },
  'calls.deflect': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { to: '201' } },
  'calls.digits': { kind: 'refused', params: (v) => ({ id: v.callId }), body: { digits: '1' } },
  'calls.pickup': { kind: 'refused', params: (v) => ({ id: v.callId }), body: {} },
  'calls.groupPickup': { kind: 'refused', body: { device: '201' } },
  'calls.callBack': { kind: 'refused', params: (v) => ({ id: v.callId }) },
  'callbacks.list': { kind: 'own' },
  'callbacks.create': { kind: 'refused', body: { to: '201', from: ALICE } },
  'callbacks.delete': { kind: 'refused', params: (v) => ({ id: v.callBackId }) },
  'journal.list': { kind: 'own', query: { q: 'MARKER' } },
  'journal.unread': { kind: 'own' },
  'journal.update': { kind: 'refused', params: (v) => ({ id: v.journalEntryId }), body: { memo: 'owned', read: true } },
  'journal.read': { kind: 'own' },
  // Call settings are always the caller's own; A's numbers and addresses are only targets to B.
  'me.callSettings.get': { kind: 'own' },
  'me.forwarding.get': { kind: 'own' },
  'me.forwarding.set': { kind: 'own', body: { busy: { enabled: true, to: ALICE } } },
  'me.dnd.get': { kind: 'own' },
  'me.dnd.set': { kind: 'own', body: { enabled: false } },
  'me.remoteOffice.get': { kind: 'own' },
  'me.remoteOffice.set': { kind: 'own', body: { enabled: true, number: '+4971112345201' } },
};

/** Statuses that count as a refusal of a route aimed at another tenant's resource. */
const REFUSED = new Set([401, 403, 404]);
/** Also a refusal where the body names A's users: the service does not know them (400) or refuses them (409). */
const REFUSED_BY_BODY = new Set([400, 401, 403, 404, 409]);

function pathOf(spec: RouteSpec, params: Record<string, string>): string {
  return spec.path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = params[name];
    assert.ok(value !== undefined, `${spec.path}: no value for :${name}`);
    return encodeURIComponent(value);
  });
}

/** Times that move by themselves (activity, polling, scheduling). */
const MOVING = new Set([
  'lastSeenAt',
  'lastAttemptAt',
  'lastSyncAt',
  'nextSyncAt',
  'updatedAt',
  'expiresAt',
  'since',
  'stale',
  'lastError',
]);

let t: TestServer;
let victim: Victim;
let aAdmin: Person;
let alice: Person;
const phones: SipPhone[] = [];

/** What tenant A looks like to its own admin and to alice, without times that move by themselves. */
async function snapshotOfA(): Promise<unknown> {
  const get = async (token: string, path: string) => {
    const r = await call(t.url, 'GET', path, { token });
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return JSON.parse(r.text, (key, value) => (MOVING.has(key) ? undefined : value));
  };
  return {
    users: await get(aAdmin.token, '/api/v1/admin/users'),
    tenant: await get(aAdmin.token, '/api/v1/me'),
    teams: await get(aAdmin.token, '/api/v1/admin/teams'),
    sources: await get(aAdmin.token, '/api/v1/admin/directory/sources'),
    conversation: await get(alice.token, `/api/v1/conversations/${victim.conversationId}`),
    messages: await get(alice.token, `/api/v1/conversations/${victim.conversationId}/messages`),
    sessions: (await get(alice.token, '/api/v1/me/sessions')) as unknown,
    favourites: await get(alice.token, '/api/v1/me/favourites'),
    calendar: await get(aAdmin.token, `/api/v1/admin/users/${victim.aliceId}/calendar`),
    devices: await get(alice.token, '/api/v1/me/devices'),
    lines: await get(aAdmin.token, '/api/v1/admin/lines'),
    trunks: await get(aAdmin.token, '/api/v1/admin/trunks'),
    federation: await get(aAdmin.token, '/api/v1/admin/federation/domains'),
    journal: await get(alice.token, '/api/v1/journal'),
    callSettings: await get(alice.token, '/api/v1/me/call-settings'),
    callBacks: await get(alice.token, '/api/v1/callbacks'),
  };
}

before(async () => {
  t = await startTestServer();
  aAdmin = await t.user('boss@a.test', { role: 'tenant-admin' });
  alice = await t.user(ALICE);
  const bob = await t.user('bob@a.test');
  await alice.api.request('me.update', { body: { displayName: 'Alice MARKER-A-NAME' } });
  await alice.api.request('presence.me.set', {
    query: { tz: 'UTC' },
    body: { availability: 'busy', note: 'MARKER-A-NOTE' },
  });
  await alice.api.request('me.favourites.set', { body: { favourites: ['bob@a.test'] } });
  const conversation = await alice.api.request('conversations.create', {
    body: { members: ['bob@a.test'], name: 'MARKER-A-CONV', kind: 'group' },
  });
  const message = await alice.api.request('messages.send', {
    params: { id: conversation.id },
    body: { text: 'MARKER-A-TEXT', clientId: 'a-1' },
  });
  await bob.api.request('messages.react', { params: { id: conversation.id, messageId: message.id, emoji: '👍' } });
  const team = await aAdmin.api.request('admin.teams.create', { body: { name: 'MARKER-A-TEAM', members: [ALICE] } });
  const source = await aAdmin.api.request('admin.directory.sources.create', {
    body: { name: 'MARKER-A-SOURCE', kind: 'file', config: {} },
  });
  await aAdmin.api.request('admin.users.calendar.put', {
    params: { id: alice.userId },
    body: { type: 'ics', url: 'https://calendar.a.test/alice.ics' },
  });
  await aAdmin.api.request('admin.lines.create', { body: { number: '201', user: ALICE, did: '+4971112345201' } });
  await aAdmin.api.request('admin.trunks.create', {
    body: { name: 'itsp-a', host: '93.184.216.34', username: 'MARKER-A-NAME', password: 'MARKER-A-TEXT' },
  });
  await aAdmin.api.request('admin.federation.domain.set', {
    params: { domain: 'partner-a.test' },
    query: {},
    body: { level: 'trusted' },
  });
  const device = await alice.api.request('me.devices.create', { body: { name: 'MARKER-A-DEVICE', line: '201' } });
  const [entry] = await t.core.journal.record(alice.tenantId, 'call-a-1', [
    {
      userId: alice.userId,
      direction: 'inbound',
      line: '201',
      remote: { number: '+4971155501', display: 'MARKER-A-NAME caller' },
      startedAt: Date.now(),
      answeredAt: null,
      endedAt: Date.now(),
      duration: 0,
      result: 'missed',
      by: null,
    },
  ]);
  await alice.api.request('journal.update', { params: { id: entry?.id as string }, body: { memo: 'MARKER-A-MEMO' } });
  await alice.api.request('me.dnd.set', { body: { enabled: true } });
  await alice.api.request('me.forwarding.set', { body: { busy: { enabled: true, to: 'bob@a.test' } } });
  const sessions = await alice.api.request('me.sessions', {});
  // A call ringing in tenant A: alice's phone calls bob's, which rings.
  const alicePhone = await phoneFor(t, ALICE, 'udp', alice);
  const bobPhone = await phoneFor(t, 'bob@a.test', 'udp', bob);
  phones.push(alicePhone, bobPhone);
  for (const p of phones) assert.equal((await p.register(600)).status, 200);
  void alicePhone.invite('bob@a.test').catch(() => undefined);
  (await bobPhone.next('INVITE')).reply(180, 'Ringing');
  const ringing = await eventually(() => t.core.calls.ofUser(alice.tenantId, alice.userId)[0], 'the ringing call');
  await aAdmin.api.request('admin.lines.create', { body: { number: '202', user: 'bob@a.test' } });
  const callBack = await alice.api.request('callbacks.create', { body: { to: '202' } });
  victim = {
    tenantId: alice.tenantId,
    aliceId: alice.userId,
    sessionId: (sessions.sessions.find((s) => s.current) ?? sessions.sessions[0])?.id as string,
    conversationId: conversation.id,
    messageId: message.id,
    teamId: team.id,
    sourceId: source.id,
    deviceId: device.device.id,
    callId: ringing.id,
    journalEntryId: entry?.id as string,
    callBackId: callBack.id,
  };
});

after(async () => {
  for (const p of phones) p.close();
  await t?.stop();
});

test('every route refuses another tenant and anonymous callers, leaks none of tenant A, and changes nothing of it', async () => {
  const before = await snapshotOfA();
  const mallory = await t.user('mallory@b.test');
  const eve = await t.user('eve@b.test', { role: 'tenant-admin' });
  const attackers: { who: string; token?: string }[] = [
    { who: 'anonymous' },
    { who: 'user of tenant B', token: mallory.token },
    { who: 'tenant admin of tenant B', token: eve.token },
  ];
  const failures: string[] = [];
  let calls = 0;
  for (const [name, spec] of Object.entries(routes) as [RouteName, RouteSpec][]) {
    const attack = attacks[name];
    const path = pathOf(spec, attack.params?.(victim) ?? {});
    const url = attack.query ? `${path}?${new URLSearchParams(attack.query)}` : path;
    for (const { who, token } of attackers) {
      if (token && attack.kind === 'skip-outsider') continue;
      const body = attack.body ?? (['POST', 'PUT', 'PATCH'].includes(spec.method) ? {} : undefined);
      const res: RawResponse = await call(t.url, spec.method, url, { token, body });
      calls++;
      const what = `${name} (${spec.method} ${spec.path}) by ${who}: ${res.status} ${res.text.slice(0, 200)}`;
      const leaked = MARKERS.filter((m) => res.text.includes(m));
      if (leaked.length > 0) failures.push(`${what} — leaks ${leaked.join(', ')}`);
      if (spec.access === 'public') continue;
      if (!token) {
        if (res.status !== 401) failures.push(`${what} — expected 401`);
        continue;
      }
      if (attack.kind !== 'refused') continue;
      const allowed = attack.params ? REFUSED : REFUSED_BY_BODY;
      if (!allowed.has(res.status)) failures.push(`${what} — expected one of ${[...allowed].join('/')}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(calls > 3 * 70, `only ${calls} calls made`);
  assert.deepEqual(await snapshotOfA(), before, "tenant A's state changed");
});
