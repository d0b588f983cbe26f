import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { respond as respondTo, tagOf } from '../message/index.js';
import { type InviteServerState, InviteServerTransaction } from './invite-server.js';
import { ack, request, response, runTable, show, type Transition } from './test-messages.js';
import { DEFAULT_TIMERS, type ServerEvent, type TimerName } from './types.js';

const invite = request();
const respond = (status: number): ServerEvent => ({ kind: 'respond', response: response(invite, status) });
const timer = (name: TimerName): ServerEvent => ({ kind: 'timer', timer: name });
const retransmission: ServerEvent = { kind: 'request', request: invite };
const ackEvent: ServerEvent = { kind: 'request', request: ack(invite, response(invite, 486)) };
const transportError: ServerEvent = { kind: 'transport-error' };

function inState(state: InviteServerState, reliable = false): InviteServerTransaction {
  const tx = new InviteServerTransaction(invite, { timers: DEFAULT_TIMERS, reliable });
  tx.start();
  const path: Record<InviteServerState, ServerEvent[]> = {
    proceeding: [],
    completed: [respond(486)],
    confirmed: [respond(486), ackEvent],
    accepted: [respond(200)],
    terminated: [respond(486), timer('H')],
  };
  for (const event of path[state]) tx.handle(event);
  assert.equal(tx.state, state);
  return tx;
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  test('start answers 100 Trying, built from the request without a To tag', () => {
    const tx = new InviteServerTransaction(invite, { timers: DEFAULT_TIMERS, reliable: false });
    const [send] = tx.start();
    assert.deepEqual(send, { kind: 'send', message: respondTo(invite, 100, 'Trying') });
    assert.equal(tx.response && tagOf(tx.response.to), undefined);
  });

  const table: Transition<InviteServerState, ServerEvent>[] = [
    ['proceeding', 'INVITE retransmitted', retransmission, ['send 100'], 'proceeding'],
    ['proceeding', 'TU 1xx', respond(180), ['send 180'], 'proceeding'],
    ['proceeding', 'TU 2xx', respond(200), ['send 200', 'start L 32000'], 'accepted'],
    ['proceeding', 'TU 300-699', respond(486), ['send 486', 'start G 500', 'start H 32000'], 'completed'],
    ['proceeding', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['completed', 'INVITE retransmitted', retransmission, ['send 486'], 'completed'],
    ['completed', 'timer G', timer('G'), ['send 486', 'start G 1000'], 'completed'],
    ['completed', 'timer H', timer('H'), ['timeout', 'terminated'], 'terminated'],
    ['completed', 'ACK', ackEvent, ['cancel G', 'cancel H', 'start I 5000'], 'confirmed'],
    ['completed', 'TU response', respond(500), [], 'completed'],
    ['completed', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['confirmed', 'ACK retransmitted', ackEvent, [], 'confirmed'],
    ['confirmed', 'INVITE retransmitted', retransmission, [], 'confirmed'],
    ['confirmed', 'stale timer G', timer('G'), [], 'confirmed'],
    ['confirmed', 'timer I', timer('I'), ['terminated'], 'terminated'],
    ['confirmed', 'transport error', transportError, [], 'confirmed'],
    ['accepted', 'INVITE retransmitted (absorbed)', retransmission, [], 'accepted'],
    ['accepted', 'TU 2xx retransmission', respond(200), ['send 200'], 'accepted'],
    ['accepted', 'TU 300-699', respond(486), [], 'accepted'],
    ['accepted', 'matching ACK', ackEvent, [`pass-up ACK`], 'accepted'],
    ['accepted', 'timer L', timer('L'), ['terminated'], 'terminated'],
    ['accepted', 'transport error', transportError, [], 'accepted'],
    ['terminated', 'INVITE retransmitted', retransmission, [], 'terminated'],
    ['terminated', 'TU 200', respond(200), [], 'terminated'],
  ];
  runTable(table, inState);

  test('INVITE retransmissions in Proceeding get the last provisional response', () => {
    const tx = inState('proceeding');
    tx.handle(respond(180));
    assert.deepEqual(show(tx.handle(retransmission)), ['send 180']);
  });

  test('timer G doubles up to T2', () => {
    const tx = inState('completed');
    const intervals = [1, 2, 3, 4, 5].map(() => show(tx.handle(timer('G')))[1]);
    assert.deepEqual(intervals, ['start G 1000', 'start G 2000', 'start G 4000', 'start G 4000', 'start G 4000']);
  });

  test('over a reliable transport: no timer G, and the ACK ends the transaction (timer I is zero)', () => {
    const tx = inState('proceeding', true);
    assert.deepEqual(show(tx.handle(respond(486))), ['send 486', 'start H 32000']);
    assert.deepEqual(show(tx.handle(ackEvent)), ['cancel G', 'cancel H', 'terminated']);
  });
});
