import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Call, CallParty, User } from '@parley/api';
import type { ParleyClient } from '../../lib/api.js';
import { CallsStore, isIncoming, otherParty, partyLabel } from './calls-store.js';
import { journalCsvHref } from './journal-store.js';

const party = (p: Partial<CallParty>): CallParty => ({ name: null, company: null, match: null, ...p });
const me = { id: 'u-alice' } as User;
const call = (c: Partial<Call>): Call => ({
  id: 'c1',
  state: 'alerting',
  dialled: '201',
  caller: party({ number: '+49711123456' }),
  called: party({ userId: 'u-alice', line: '201', name: 'Alice' }),
  connections: [],
  createdAt: '2026-12-05T10:00:00.000Z',
  answeredAt: null,
  endedAt: null,
  ...c,
});

test('a party shows by its resolved name and company, else its display, number, line or address', () => {
  assert.equal(
    partyLabel(party({ name: 'Anna Berger', company: 'Muster GmbH', number: '+4971112345612' })),
    'Anna Berger, Muster GmbH',
  );
  assert.equal(partyLabel(party({ company: 'Muster GmbH', number: '+497111234560' })), 'Muster GmbH');
  assert.equal(partyLabel(party({ display: 'Reception', number: '+497111234560' })), 'Reception');
  assert.equal(partyLabel(party({ number: '+497111234560' })), '+497111234560');
  assert.equal(partyLabel(party({ line: '202' })), '202');
  assert.equal(partyLabel(party({ uri: 'sip:x@example.test' })), 'sip:x@example.test');
});

test('the other party and an incoming call are seen from the user', () => {
  const inbound = call({});
  assert.equal(otherParty(inbound, me).number, '+49711123456');
  assert.equal(isIncoming(inbound, me), true);
  const outbound = call({ caller: party({ userId: 'u-alice' }), called: party({ number: '202' }) });
  assert.equal(otherParty(outbound, me).number, '202');
  assert.equal(isIncoming(outbound, me), false, 'MakeCall ringing the own phone is not an incoming call');
  assert.equal(isIncoming(call({ state: 'connected' }), me), false);
});

test('call events keep the list: a new call is added, a change replaces it, an ended call leaves', () => {
  const store = new CallsStore(() => ({}) as ParleyClient);
  store.apply({ type: 'call.delivered', call: call({}), connectionId: null, cause: null });
  store.apply({
    type: 'call.originated',
    call: call({ id: 'c2', state: 'initiated' }),
    connectionId: null,
    cause: null,
  });
  assert.deepEqual(
    store.calls.get().map((c) => [c.id, c.state]),
    [
      ['c1', 'alerting'],
      ['c2', 'initiated'],
    ],
  );
  store.apply({ type: 'call.established', call: call({ state: 'connected' }), connectionId: null, cause: null });
  assert.deepEqual(
    store.calls.get().map((c) => [c.id, c.state]),
    [
      ['c1', 'connected'],
      ['c2', 'initiated'],
    ],
  );
  store.apply({
    type: 'call.cleared',
    call: call({ state: 'null', endedAt: '2026-12-05T10:01:00.000Z' }),
    connectionId: null,
    cause: null,
  });
  store.apply({ type: 'call.failed', call: call({ id: 'c2', state: 'failed' }), connectionId: null, cause: null });
  assert.deepEqual(store.calls.get(), []);
});

test('the CSV export link carries the journal filter', () => {
  assert.equal(journalCsvHref({ missed: false, q: ' ' }), '/api/v1/journal.csv');
  assert.equal(journalCsvHref({ missed: true, q: 'Muster GmbH' }), '/api/v1/journal.csv?result=missed&q=Muster+GmbH');
});
