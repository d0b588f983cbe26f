import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromName, inbound, outbound, type StateName, type SubscriptionKind, stateName } from './subscription.js';

const states: StateName[] = [
  'None',
  'None+PendingOut',
  'None+PendingIn',
  'None+PendingOut+PendingIn',
  'To',
  'To+PendingIn',
  'From',
  'From+PendingOut',
  'Both',
];

// RFC 6121 Appendix A as printed: per state, the new state ('-' no change) and whether the stanza
// is routed (outbound) or delivered (inbound). Rows in the order of `states`.
type Row = [StateName | '-', boolean];
const A2: Record<SubscriptionKind, Row[]> = {
  // A.2.1: subscribe is always routed.
  subscribe: [
    ['None+PendingOut', true],
    ['-', true],
    ['None+PendingOut+PendingIn', true],
    ['-', true],
    ['-', true],
    ['-', true],
    ['From+PendingOut', true],
    ['-', true],
    ['-', true],
  ],
  // A.2.2: unsubscribe is always routed.
  unsubscribe: [
    ['-', true],
    ['None', true],
    ['-', true],
    ['None+PendingIn', true],
    ['None', true],
    ['None+PendingIn', true],
    ['-', true],
    ['From', true],
    ['From', true],
  ],
  // A.2.3
  subscribed: [
    ['-', false],
    ['-', false],
    ['From', true],
    ['From+PendingOut', true],
    ['-', false],
    ['Both', true],
    ['-', false],
    ['-', false],
    ['-', false],
  ],
  // A.2.4
  unsubscribed: [
    ['-', false],
    ['-', false],
    ['None', true],
    ['None+PendingOut', true],
    ['-', false],
    ['To', true],
    ['None', true],
    ['None+PendingOut', true],
    ['To', true],
  ],
};
const A3: Record<SubscriptionKind, Row[]> = {
  // A.3.1
  subscribe: [
    ['None+PendingIn', true],
    ['None+PendingOut+PendingIn', true],
    ['-', false],
    ['-', false],
    ['To+PendingIn', true],
    ['-', false],
    ['-', false],
    ['-', false],
    ['-', false],
  ],
  // A.3.2
  unsubscribe: [
    ['-', false],
    ['-', false],
    ['None', true],
    ['None+PendingOut', true],
    ['-', false],
    ['To', true],
    ['None', true],
    ['None+PendingOut', true],
    ['To', true],
  ],
  // A.3.3
  subscribed: [
    ['-', false],
    ['To', true],
    ['-', false],
    ['To+PendingIn', true],
    ['-', false],
    ['-', false],
    ['-', false],
    ['Both', true],
    ['-', false],
  ],
  // A.3.4
  unsubscribed: [
    ['-', false],
    ['None', true],
    ['-', false],
    ['None+PendingIn', true],
    ['None', true],
    ['None+PendingIn', true],
    ['-', false],
    ['From', true],
    ['From', true],
  ],
};

test('state names round-trip', () => {
  for (const s of states) assert.equal(stateName(fromName(s)), s);
});

for (const [title, fn, table] of [
  ['A.2 outbound', outbound, A2],
  ['A.3 inbound', inbound, A3],
] as const) {
  describe(`RFC 6121 ${title}`, () => {
    for (const kind of Object.keys(table) as SubscriptionKind[]) {
      for (const [i, from] of states.entries()) {
        const [to, forward] = table[kind][i] as Row;
        test(`${kind} in ${from} → ${to}${forward ? ', forwarded' : ''}`, () => {
          const r = fn(kind, fromName(from));
          assert.equal(stateName(r.state), to === '-' ? from : to);
          assert.equal(r.changed, to !== '-');
          assert.equal(r.forward, forward);
        });
      }
    }
  });
}

test('an inbound subscribe from a contact already subscribed to the user is approved by the server (§3.1.3)', () => {
  for (const s of states) {
    const r = inbound('subscribe', fromName(s));
    assert.equal(r.reply, s.startsWith('From') || s === 'Both' ? 'subscribed' : undefined, s);
  }
});
