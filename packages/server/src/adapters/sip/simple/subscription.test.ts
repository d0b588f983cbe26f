import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDatagram } from '../message/index.js';
import {
  authorize,
  changed,
  expire,
  negotiate,
  notifyAnswered,
  type Refusal,
  refresh,
  type SubscribeRequest,
  type SubscribeStep,
  type Subscription,
  subscribe,
  subscribeRequestOf,
  subscriptionStateHeader,
  terminate,
} from './subscription.js';

const T = 1_000_000;
const req = (o: Partial<SubscribeRequest> = {}): SubscribeRequest => ({
  event: 'presence',
  accept: [],
  expires: undefined,
  bodyType: undefined,
  ...o,
});
const accepted = (r: SubscribeStep | Refusal): SubscribeStep => {
  assert.ok('subscription' in r, `refused: ${r.response.status}`);
  return r;
};

const refusals: [string, Partial<SubscribeRequest>, number, [string, string][]][] = [
  ['no Event', { event: undefined }, 400, []],
  ['an unknown package', { event: 'conference' }, 489, [['Allow-Events', 'presence, dialog, message-summary']]],
  ['Event is case-sensitive', { event: 'Presence' }, 489, [['Allow-Events', 'presence, dialog, message-summary']]],
  ['a filter body', { bodyType: 'application/simple-filter+xml' }, 415, [['Accept', '']]],
  ['Accept without PIDF', { accept: ['application/xpidf+xml'] }, 406, [['Accept', 'application/pidf+xml']]],
  ['PIDF at q=0', { accept: ['application/pidf+xml;q=0'] }, 406, [['Accept', 'application/pidf+xml']]],
  ['too short', { expires: 30 }, 423, [['Min-Expires', '60']]],
  [
    'dialog without dialog-info',
    { event: 'dialog', accept: ['application/pidf+xml'] },
    406,
    [['Accept', 'application/dialog-info+xml']],
  ],
];

for (const [name, o, status, headers] of refusals) {
  test(`SUBSCRIBE refused: ${name} → ${status}`, () => {
    const r = subscribe(req(o), T, 'allow');
    assert.ok(!('subscription' in r));
    assert.equal(r.response.status, status);
    assert.deepEqual(
      r.response.headers.map((x) => [x.name, x.value]),
      headers,
    );
  });
}

const grants: [string, Partial<SubscribeRequest>, string, number][] = [
  ['presence, default expiry', {}, 'application/pidf+xml', 3600],
  [
    'presence with rlmi alternatives',
    { accept: ['multipart/related', 'application/pidf+xml'] },
    'application/pidf+xml',
    3600,
  ],
  ['dialog, wildcard Accept', { event: 'dialog', accept: ['application/*'] }, 'application/dialog-info+xml', 3600],
  ['message-summary, */*', { event: 'message-summary', accept: ['*/*'] }, 'application/simple-message-summary', 3600],
  ['too long is cut', { expires: 100_000 }, 'application/pidf+xml', 7200],
  ['exactly the minimum', { expires: 60 }, 'application/pidf+xml', 60],
];

for (const [name, o, type, seconds] of grants) {
  test(`SUBSCRIBE accepted: ${name}`, () => {
    const r = accepted(subscribe(req(o), T, 'allow'));
    assert.deepEqual(r.response, { status: 200, reason: 'OK', headers: [{ name: 'Expires', value: `${seconds}` }] });
    assert.equal(r.subscription.contentType, type);
    assert.deepEqual(r.actions, [
      { kind: 'notify', subscriptionState: `active;expires=${seconds}`, body: true, full: true, version: 0 },
      { kind: 'deadline', at: T + seconds * 1000 },
    ]);
    assert.equal(r.subscription.version, 1);
  });
}

test('a fetch (Expires 0): one NOTIFY with the state, terminated, then forgotten', () => {
  const r = accepted(subscribe(req({ expires: 0 }), T, 'allow'));
  assert.equal(r.response.headers[0]?.value, '0');
  assert.deepEqual(r.actions, [
    { kind: 'notify', subscriptionState: 'terminated;reason=timeout', body: true, full: true, version: 0 },
    { kind: 'forget' },
  ]);
});

test('the event id is kept and must match on refresh', () => {
  const r = accepted(subscribe(req({ event: 'dialog;id=42', expires: 600 }), T, 'allow'));
  assert.equal(r.subscription.eventId, '42');
  const other = refresh(r.subscription, req({ event: 'dialog;id=43' }), T);
  assert.equal(other.response.status, 489);
  assert.equal(refresh(r.subscription, req({ event: 'presence' }), T).response.status, 489);
  assert.equal(accepted(refresh(r.subscription, req({ event: 'dialog;id=42' }), T)).response.status, 200);
});

test('a life: changes, refresh, unsubscribe; versions count the NOTIFYs with a body', () => {
  let s: Subscription = accepted(subscribe(req({ event: 'dialog', expires: 600 }), T, 'allow')).subscription;
  let step = changed(s, T + 10_000);
  assert.deepEqual(step.actions[0], {
    kind: 'notify',
    subscriptionState: 'active;expires=590',
    body: true,
    full: false,
    version: 1,
  });
  s = step.subscription;
  const r = accepted(refresh(s, req({ event: 'dialog', expires: 1200 }), T + 500_000));
  assert.deepEqual(r.actions, [
    { kind: 'notify', subscriptionState: 'active;expires=1200', body: true, full: true, version: 2 },
    { kind: 'deadline', at: T + 500_000 + 1_200_000 },
  ]);
  s = r.subscription;
  step = accepted(refresh(s, req({ event: 'dialog', expires: 0 }), T + 600_000));
  assert.deepEqual(step.actions, [
    { kind: 'notify', subscriptionState: 'terminated;reason=timeout', body: true, full: true, version: 3 },
    { kind: 'forget' },
  ]);
  assert.equal(refresh(step.subscription, req({ event: 'dialog' }), T).response.status, 481);
  assert.deepEqual(changed(step.subscription, T).actions, []);
});

test('expiry: an early deadline is moved on, the real one ends it', () => {
  const s = accepted(subscribe(req({ expires: 60 }), T, 'allow')).subscription;
  assert.deepEqual(expire(s, T + 59_999).actions, [{ kind: 'deadline', at: T + 60_000 }]);
  const end = expire(s, T + 60_000);
  assert.equal(end.subscription.state, 'terminated');
  assert.deepEqual(end.actions, [
    { kind: 'notify', subscriptionState: 'terminated;reason=timeout', body: true, full: false, version: 1 },
    { kind: 'forget' },
  ]);
  assert.deepEqual(expire(end.subscription, T + 70_000).actions, [{ kind: 'forget' }]);
});

test('pending: NOTIFY without a body; allowed → full state; denied → rejected', () => {
  const r = accepted(subscribe(req({ expires: 600 }), T, 'pending'));
  assert.deepEqual(r.actions[0], {
    kind: 'notify',
    subscriptionState: 'pending;expires=600',
    body: false,
    full: true,
    version: 0,
  });
  assert.deepEqual(changed(r.subscription, T).actions, [], 'no state while pending');
  const allowed = authorize(r.subscription, 'allow', T + 1000);
  assert.deepEqual(allowed.actions[0], {
    kind: 'notify',
    subscriptionState: 'active;expires=599',
    body: true,
    full: true,
    version: 0,
  });
  const denied = authorize(r.subscription, 'deny', T + 1000);
  assert.deepEqual(denied.actions, [
    { kind: 'notify', subscriptionState: 'terminated;reason=rejected', body: false, full: true, version: 0 },
    { kind: 'forget' },
  ]);
});

for (const reason of ['noresource', 'deactivated', 'rejected'] as const) {
  test(`terminate: ${reason}`, () => {
    const s = accepted(subscribe(req(), T, 'allow')).subscription;
    const t = terminate(s, reason, T + 1);
    assert.equal(subscriptionStateHeader(t.subscription, T + 1), `terminated;reason=${reason}`);
    assert.deepEqual(t.actions.at(-1), { kind: 'forget' });
    assert.deepEqual(terminate(t.subscription, reason, T + 2).actions, [{ kind: 'forget' }]);
  });
}

const answers: [number, boolean][] = [
  [200, true],
  [202, true],
  [401, true],
  [407, true],
  [408, false],
  [481, false],
  [500, false],
];
for (const [status, lives] of answers) {
  test(`NOTIFY answered ${status}: subscription ${lives ? 'lives' : 'ends without another NOTIFY'}`, () => {
    const s = accepted(subscribe(req(), T, 'allow')).subscription;
    const r = notifyAnswered(s, status);
    assert.equal(r.subscription.state, lives ? 'active' : 'terminated');
    assert.deepEqual(r.actions, lives ? [] : [{ kind: 'forget' }]);
  });
}

test('negotiate: q-values and our preference', () => {
  assert.equal(negotiate([], ['a/b', 'a/c']), 'a/b');
  assert.equal(negotiate(['a/c;q=0.5', 'a/b;q=0.4'], ['a/b', 'a/c']), 'a/c');
  assert.equal(negotiate(['a/*;q=0.3', 'a/b;q=0'], ['a/b', 'a/c']), 'a/c');
  assert.equal(negotiate(['x/y'], ['a/b']), null);
});

test('subscribeRequestOf reads a parsed SUBSCRIBE', () => {
  const wire = [
    'SUBSCRIBE sip:bob@example.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
    'From: <sip:alice@example.test>;tag=1',
    'To: <sip:bob@example.test>',
    'Call-ID: s1',
    'CSeq: 1 SUBSCRIBE',
    'Max-Forwards: 70',
    'o: presence',
    'Accept: application/pidf+xml, application/rlmi+xml',
    'Expires: 600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const m = parseDatagram(Buffer.from(wire));
  assert.equal(m.kind, 'request');
  if (m.kind !== 'request') return;
  assert.deepEqual(subscribeRequestOf(m), {
    event: 'presence',
    accept: ['application/pidf+xml', 'application/rlmi+xml'],
    expires: 600,
    bodyType: undefined,
  });
});
