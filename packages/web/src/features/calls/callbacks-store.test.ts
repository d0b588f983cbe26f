import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Call, CallBack, CallParty } from '@parley/api';
import type { ParleyClient } from '../../lib/api.js';
import { CallBacksStore } from './callbacks-store.js';

const party = (p: Partial<CallParty>): CallParty => ({ name: null, company: null, match: null, ...p });
const call = (c: Partial<Call>): Call => ({
  id: 'c1',
  state: 'failed',
  dialled: '202',
  caller: party({ userId: 'u-alice', line: '201' }),
  called: party({ userId: 'u-bob', line: '202', name: 'Bob' }),
  connections: [],
  createdAt: '2026-12-05T10:00:00.000Z',
  answeredAt: null,
  endedAt: null,
  ...c,
});
const callBack = (id: string): CallBack => ({
  id,
  from: '201',
  to: '202',
  toUser: 'bob@example.test',
  toName: 'Bob',
  mode: 'busy',
  createdAt: '2026-12-05T10:00:00.000Z',
  expiresAt: '2026-12-05T10:30:00.000Z',
});

test('call-back events keep the list: requested adds, every other status takes it away', () => {
  const store = new CallBacksStore(() => ({}) as ParleyClient);
  store.apply({ type: 'callback.changed', status: 'requested', callBack: callBack('a') });
  store.apply({ type: 'callback.changed', status: 'requested', callBack: callBack('b') });
  store.apply({ type: 'callback.changed', status: 'requested', callBack: callBack('a') });
  assert.deepEqual(
    store.list.get().map((c) => c.id),
    ['a', 'b'],
  );
  store.apply({ type: 'callback.changed', status: 'ringing', callBack: callBack('a'), callId: 'c9' });
  store.apply({ type: 'callback.changed', status: 'expired', callBack: callBack('b') });
  assert.deepEqual(store.list.get(), []);
});

test('an outgoing call that was busy or not answered is offered for a call-back; others are not', () => {
  const store = new CallBacksStore(() => ({}) as ParleyClient);
  store.ended(call({ state: 'initiated' }), 'u-alice');
  assert.equal(store.offer.get(), null, 'still ringing');
  store.ended(call({ answeredAt: '2026-12-05T10:00:05.000Z', endedAt: '2026-12-05T10:01:00.000Z' }), 'u-alice');
  assert.equal(store.offer.get(), null, 'answered');
  store.ended(call({ called: party({ number: '+4930123' }) }), 'u-alice');
  assert.equal(store.offer.get(), null, 'not a line of the tenant');
  store.ended(call({}), 'u-bob');
  assert.equal(store.offer.get(), null, 'not the user’s own call');
  const failed = call({
    connections: [
      {
        id: 'x',
        party: party({ userId: 'u-alice' }),
        role: 'calling',
        state: 'failed',
        since: '2026-12-05T10:00:01.000Z',
        cause: 'busy',
      },
    ],
  });
  store.ended(failed, 'u-alice');
  store.ended(call({ state: 'null', endedAt: '2026-12-05T10:00:02.000Z' }), 'u-alice');
  assert.equal(store.offer.get(), failed, 'as it failed (busy), not as it cleared');
  store.dismiss();
  assert.equal(store.offer.get(), null);
});
