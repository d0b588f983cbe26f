import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type NonInviteServerState, NonInviteServerTransaction } from './non-invite-server.js';
import { request, response, runTable, show, type Transition } from './test-messages.js';
import { DEFAULT_TIMERS, type ServerEvent, type TimerName } from './types.js';

const options = request({ method: 'OPTIONS' });
const respond = (status: number): ServerEvent => ({ kind: 'respond', response: response(options, status) });
const timer = (name: TimerName): ServerEvent => ({ kind: 'timer', timer: name });
const retransmission: ServerEvent = { kind: 'request', request: options };
const transportError: ServerEvent = { kind: 'transport-error' };

function inState(state: NonInviteServerState, reliable = false): NonInviteServerTransaction {
  const tx = new NonInviteServerTransaction(options, { timers: DEFAULT_TIMERS, reliable });
  assert.deepEqual(tx.start(), []);
  const path: Record<NonInviteServerState, ServerEvent[]> = {
    trying: [],
    proceeding: [respond(100)],
    completed: [respond(200)],
    terminated: [respond(200), timer('J')],
  };
  for (const event of path[state]) tx.handle(event);
  assert.equal(tx.state, state);
  return tx;
}

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  const table: Transition<NonInviteServerState, ServerEvent>[] = [
    ['trying', 'request retransmitted (nothing to resend)', retransmission, [], 'trying'],
    ['trying', 'TU 1xx', respond(100), ['send 100'], 'proceeding'],
    ['trying', 'TU 200-699', respond(200), ['send 200', 'start J 32000'], 'completed'],
    ['trying', 'transport error', transportError, [], 'trying'],
    ['proceeding', 'request retransmitted', retransmission, ['send 100'], 'proceeding'],
    ['proceeding', 'TU 1xx', respond(180), ['send 180'], 'proceeding'],
    ['proceeding', 'TU 200-699', respond(404), ['send 404', 'start J 32000'], 'completed'],
    ['proceeding', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['completed', 'request retransmitted', retransmission, ['send 200'], 'completed'],
    ['completed', 'TU another final', respond(500), [], 'completed'],
    ['completed', 'timer J', timer('J'), ['terminated'], 'terminated'],
    ['completed', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['terminated', 'request retransmitted', retransmission, [], 'terminated'],
    ['terminated', 'TU 200', respond(200), [], 'terminated'],
  ];
  runTable(table, inState);

  test('over a reliable transport the final response ends the transaction (timer J is zero)', () => {
    const tx = inState('trying', true);
    assert.deepEqual(show(tx.handle(respond(200))), ['send 200', 'terminated']);
  });
});
