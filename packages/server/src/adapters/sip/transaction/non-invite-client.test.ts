import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type NonInviteClientState, NonInviteClientTransaction } from './non-invite-client.js';
import { request, response, runTable, show, type Transition } from './test-messages.js';
import { type ClientEvent, DEFAULT_TIMERS, type TimerName } from './types.js';

const register = request({ method: 'REGISTER', uri: 'sip:example.test' });
const res = (status: number): ClientEvent => ({ kind: 'response', response: response(register, status) });
const timer = (name: TimerName): ClientEvent => ({ kind: 'timer', timer: name });
const transportError: ClientEvent = { kind: 'transport-error' };

function inState(state: NonInviteClientState, reliable = false): NonInviteClientTransaction {
  const tx = new NonInviteClientTransaction(register, { timers: DEFAULT_TIMERS, reliable });
  tx.start();
  const path: Record<NonInviteClientState, ClientEvent[]> = {
    trying: [],
    proceeding: [res(100)],
    completed: [res(200)],
    terminated: [timer('F')],
  };
  for (const event of path[state]) tx.handle(event);
  assert.equal(tx.state, state);
  return tx;
}

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  test('start sends the request with timers E (T1) and F (64·T1); reliable transports get no E', () => {
    const udp = new NonInviteClientTransaction(register, { timers: DEFAULT_TIMERS, reliable: false });
    assert.deepEqual(show(udp.start()), ['send REGISTER', 'start E 500', 'start F 32000']);
    const tcp = new NonInviteClientTransaction(register, { timers: DEFAULT_TIMERS, reliable: true });
    assert.deepEqual(show(tcp.start()), ['send REGISTER', 'start F 32000']);
  });

  const final = ['cancel E', 'cancel F'];
  const table: Transition<NonInviteClientState, ClientEvent>[] = [
    ['trying', 'timer E', timer('E'), ['send REGISTER', 'start E 1000'], 'trying'],
    ['trying', 'timer F', timer('F'), ['timeout', 'terminated'], 'terminated'],
    ['trying', '1xx', res(100), ['pass-up 100'], 'proceeding'],
    ['trying', '200-699', res(401), [...final, 'pass-up 401', 'start K 5000'], 'completed'],
    ['trying', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['proceeding', 'timer E (every T2 now)', timer('E'), ['send REGISTER', 'start E 4000'], 'proceeding'],
    ['proceeding', 'timer F', timer('F'), ['timeout', 'terminated'], 'terminated'],
    ['proceeding', '1xx', res(180), ['pass-up 180'], 'proceeding'],
    ['proceeding', '200-699', res(200), [...final, 'pass-up 200', 'start K 5000'], 'completed'],
    ['proceeding', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['completed', 'final retransmitted', res(200), [], 'completed'],
    ['completed', '1xx', res(100), [], 'completed'],
    ['completed', 'stale timer E', timer('E'), [], 'completed'],
    ['completed', 'stale timer F', timer('F'), [], 'completed'],
    ['completed', 'timer K', timer('K'), ['terminated'], 'terminated'],
    ['completed', 'transport error', transportError, [], 'completed'],
    ['terminated', '200', res(200), [], 'terminated'],
    ['terminated', 'timer K', timer('K'), [], 'terminated'],
  ];
  runTable(table, inState);

  test('timer E doubles up to T2 while Trying', () => {
    const tx = inState('trying');
    const intervals = [1, 2, 3, 4, 5].map(() => show(tx.handle(timer('E')))[1]);
    assert.deepEqual(intervals, ['start E 1000', 'start E 2000', 'start E 4000', 'start E 4000', 'start E 4000']);
  });

  test('over a reliable transport the final response ends the transaction (timer K is zero)', () => {
    const tx = inState('trying', true);
    assert.deepEqual(show(tx.handle(res(200))), [...final, 'pass-up 200', 'terminated']);
  });

  test('T1, T2, T4 are configurable', () => {
    const tx = new NonInviteClientTransaction(register, { timers: { t1: 100, t2: 300, t4: 700 }, reliable: false });
    assert.deepEqual(show(tx.start()), ['send REGISTER', 'start E 100', 'start F 6400']);
    assert.deepEqual(show(tx.handle(timer('E'))), ['send REGISTER', 'start E 200']);
    assert.deepEqual(show(tx.handle(timer('E'))), ['send REGISTER', 'start E 300']);
    assert.deepEqual(show(tx.handle(res(200))), [...final, 'pass-up 200', 'start K 700']);
  });
});
