import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerValues, makeRequest, renderNameAddr } from '../message/index.js';
import { ackFor, cancelFor, type InviteClientState, InviteClientTransaction, TIMER_D_MS } from './invite-client.js';
import { request, response, runTable, show, type Transition } from './test-messages.js';
import { type ClientEvent, DEFAULT_TIMERS, type TimerName } from './types.js';

const invite = request();
const res = (status: number): ClientEvent => ({ kind: 'response', response: response(invite, status) });
const timer = (name: TimerName): ClientEvent => ({ kind: 'timer', timer: name });
const transportError: ClientEvent = { kind: 'transport-error' };

/** A started transaction driven into `state` by the shortest path. */
function inState(state: InviteClientState, reliable = false): InviteClientTransaction {
  const tx = new InviteClientTransaction(invite, { timers: DEFAULT_TIMERS, reliable });
  tx.start();
  const path: Record<InviteClientState, ClientEvent[]> = {
    calling: [],
    proceeding: [res(180)],
    completed: [res(486)],
    accepted: [res(200)],
    terminated: [timer('B')],
  };
  for (const event of path[state]) tx.handle(event);
  assert.equal(tx.state, state);
  return tx;
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  test('start sends the INVITE with timers A (T1) and B (64·T1); reliable transports get no A', () => {
    const udp = new InviteClientTransaction(invite, { timers: DEFAULT_TIMERS, reliable: false });
    assert.deepEqual(show(udp.start()), ['send INVITE', 'start A 500', 'start B 32000']);
    const tcp = new InviteClientTransaction(invite, { timers: DEFAULT_TIMERS, reliable: true });
    assert.deepEqual(show(tcp.start()), ['send INVITE', 'start B 32000']);
  });

  const table: Transition<InviteClientState, ClientEvent>[] = [
    ['calling', 'timer A', timer('A'), ['send INVITE', 'start A 1000'], 'calling'],
    ['calling', 'timer B', timer('B'), ['timeout', 'terminated'], 'terminated'],
    ['calling', '1xx', res(180), ['cancel A', 'cancel B', 'pass-up 180'], 'proceeding'],
    ['calling', '2xx', res(200), ['cancel A', 'cancel B', 'pass-up 200', 'start M 32000'], 'accepted'],
    [
      'calling',
      '300-699',
      res(486),
      ['cancel A', 'cancel B', 'send ACK', 'pass-up 486', `start D ${TIMER_D_MS}`],
      'completed',
    ],
    ['calling', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['proceeding', '1xx', res(183), ['pass-up 183'], 'proceeding'],
    ['proceeding', '2xx', res(200), ['cancel A', 'cancel B', 'pass-up 200', 'start M 32000'], 'accepted'],
    [
      'proceeding',
      '300-699',
      res(603),
      ['cancel A', 'cancel B', 'send ACK', 'pass-up 603', 'start D 32000'],
      'completed',
    ],
    ['proceeding', 'stale timer A', timer('A'), [], 'proceeding'],
    ['proceeding', 'stale timer B', timer('B'), [], 'proceeding'],
    ['proceeding', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['completed', '300-699 retransmitted', res(486), ['send ACK'], 'completed'],
    ['completed', '1xx', res(180), [], 'completed'],
    ['completed', '2xx', res(200), [], 'completed'],
    ['completed', 'timer D', timer('D'), ['terminated'], 'terminated'],
    ['completed', 'transport error', transportError, ['transport-error', 'terminated'], 'terminated'],
    ['accepted', '2xx retransmitted (the TU ACKs each)', res(200), ['pass-up 200'], 'accepted'],
    ['accepted', '1xx', res(180), [], 'accepted'],
    ['accepted', '300-699', res(486), [], 'accepted'],
    ['accepted', 'timer M', timer('M'), ['terminated'], 'terminated'],
    ['accepted', 'transport error', transportError, [], 'accepted'],
    ['terminated', '2xx', res(200), [], 'terminated'],
    ['terminated', 'timer A', timer('A'), [], 'terminated'],
  ];
  runTable(table, inState);

  test('timer A doubles without the T2 cap (INVITE only)', () => {
    const tx = inState('calling');
    const intervals = [1, 2, 3, 4, 5, 6].map(() => show(tx.handle(timer('A')))[1]);
    assert.deepEqual(intervals, [
      'start A 1000',
      'start A 2000',
      'start A 4000',
      'start A 8000',
      'start A 16000',
      'start A 32000',
    ]);
  });

  test('over a reliable transport a non-2xx is ACKed and the transaction ends at once (timer D is zero)', () => {
    const tx = inState('calling', true);
    assert.deepEqual(show(tx.handle(res(486))), ['cancel A', 'cancel B', 'send ACK', 'pass-up 486', 'terminated']);
    assert.equal(tx.state, 'terminated');
  });

  test('the ACK of a non-2xx: INVITE routing fields, To tag of the response, CSeq ACK, one Via', () => {
    const withRoute = makeRequest('INVITE', invite.uri, [
      ...invite.headers,
      { name: 'Via', value: 'SIP/2.0/UDP proxy.example.test;branch=z9hG4bKp1' },
      { name: 'Route', value: '<sip:proxy.example.test;lr>' },
    ]);
    const final = response(withRoute, 486);
    const ack = ackFor(withRoute, final);
    assert.equal(ack.method, 'ACK');
    assert.deepEqual(ack.uri, invite.uri);
    assert.deepEqual(ack.via, [invite.via[0]]);
    assert.deepEqual(ack.from, invite.from);
    assert.equal(renderNameAddr(ack.to), '<sip:bob@example.test>;tag=314159');
    assert.equal(ack.callId, invite.callId);
    assert.deepEqual(ack.cseq, { seq: 1, method: 'ACK' });
    assert.deepEqual(headerValues(ack.headers, 'Route'), ['<sip:proxy.example.test;lr>']);
  });

  test('the CANCEL of an INVITE keeps its branch and To, with CSeq method CANCEL (§9.1)', () => {
    const cancel = cancelFor(invite);
    assert.equal(cancel.method, 'CANCEL');
    assert.deepEqual(cancel.via, invite.via);
    assert.deepEqual(cancel.to, invite.to);
    assert.deepEqual(cancel.cseq, { seq: 1, method: 'CANCEL' });
  });
});
