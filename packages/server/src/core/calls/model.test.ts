import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dialogOf, lineState, presenceLines } from './lines.js';
import {
  type Call,
  type Connection,
  type ConnectionState,
  canMove,
  connectionStates,
  isPartyOf,
  type Party,
} from './model.js';

// Every (from, to) pair: the legal ones are listed, everything else is illegal.
const legal: [ConnectionState, ConnectionState][] = [
  ['null', 'initiated'],
  ['null', 'alerting'],
  ['null', 'connected'],
  ['initiated', 'connected'],
  ['initiated', 'failed'],
  ['initiated', 'null'],
  ['alerting', 'connected'],
  ['alerting', 'failed'],
  ['alerting', 'null'],
  ['connected', 'held'],
  ['connected', 'null'],
  ['held', 'connected'],
  ['held', 'null'],
  ['failed', 'null'],
];

describe('connection transitions', () => {
  for (const from of connectionStates) {
    for (const to of connectionStates) {
      const expected = legal.some(([f, t]) => f === from && t === to);
      test(`${from} → ${to}: ${expected ? 'legal' : 'illegal'}`, () => assert.equal(canMove(from, to), expected));
    }
  }
});

describe('which connections are a party’s', () => {
  const phone: Party = { userId: 'u1', lineId: 'l1', lineNumber: '201', deviceId: 'd1' };
  const cases: [string, Party, Party, boolean][] = [
    ['the device itself', { deviceId: 'd1' }, phone, true],
    ['its line', { lineId: 'l1' }, phone, true],
    ['its user', { userId: 'u1' }, phone, true],
    ['the line of another device', { lineId: 'l1', deviceId: 'd2' }, phone, false],
    ['another line', { lineId: 'l2' }, phone, false],
    ['nothing to go by (display only)', { display: 'Alice' }, phone, false],
    ['an external number', { number: '+4971112345' }, { number: '+4971112345', display: 'X' }, true],
    ['another external number', { number: '+4971112345' }, { number: '+4971100000' }, false],
  ];
  for (const [name, party, of, expected] of cases) test(name, () => assert.equal(isPartyOf(party, of), expected));
});

const alice: Party = { userId: 'alice', lineId: 'la', lineNumber: '201', deviceId: 'da' };
const bob: Party = { userId: 'bob', lineId: 'lb', lineNumber: '202', deviceId: 'db1' };

function conn(id: string, party: Party, role: Connection['role'], state: ConnectionState): Connection {
  return { id, party, role, state, since: 1, cause: null };
}
function call(id: string, connections: Connection[], endedAt: number | null = null): Call {
  return {
    id,
    tenantId: 't',
    node: 'n',
    dialled: '202',
    caller: alice,
    called: bob,
    connections,
    createdAt: 1,
    answeredAt: null,
    endedAt,
    version: 1,
  };
}

describe('line view', () => {
  test('a connection as its line’s dialog: state, direction and the party at the other end', () => {
    const ringing = call('c1', [conn('a', alice, 'calling', 'initiated'), conn('b', bob, 'called', 'alerting')]);
    const [a, b] = ringing.connections as [Connection, Connection];
    assert.deepEqual(
      [dialogOf(ringing, a), dialogOf(ringing, b)].map((d) => [d?.state, d?.direction, d?.remote.userId]),
      [
        ['early', 'initiator', 'bob'],
        ['early', 'recipient', 'alice'],
      ],
    );
    const trying = call('c2', [conn('a', alice, 'calling', 'initiated')]);
    assert.equal(dialogOf(trying, trying.connections[0] as Connection)?.state, 'trying');
    assert.equal(
      dialogOf(trying, trying.connections[0] as Connection)?.remote,
      bob,
      'nobody rings yet: the called party',
    );
    const held = call('c3', [conn('a', alice, 'calling', 'held'), conn('b', bob, 'called', 'connected')]);
    assert.deepEqual(
      held.connections.map((c) => [dialogOf(held, c)?.state, dialogOf(held, c)?.held]),
      [
        ['confirmed', true],
        ['confirmed', false],
      ],
    );
    const failed = call('c4', [conn('a', alice, 'calling', 'failed')]);
    assert.equal(dialogOf(failed, failed.connections[0] as Connection)?.state, 'terminated');
    assert.equal(dialogOf(failed, conn('x', { number: '+49' }, 'called', 'alerting')), undefined, 'no line: no dialog');
  });

  // Several calls on one line: on a call > held > dialling > ringing > nothing.
  const cases: [string, ConnectionState[], string | null][] = [
    ['no call', [], null],
    ['ringing', ['alerting'], 'ringing'],
    ['dialling', ['initiated'], 'dialing'],
    ['busy tone after a failed call', ['failed'], 'dialing'],
    ['on a call', ['connected'], 'connected'],
    ['held', ['held'], 'held'],
    ['a call waiting while on a call', ['connected', 'alerting'], 'connected'],
    ['one held, one ringing', ['held', 'alerting'], 'held'],
    ['one held, one talking (consultation)', ['held', 'connected'], 'connected'],
    ['dialling out while another call rings', ['alerting', 'initiated'], 'dialing'],
    ['a cleared connection counts for nothing', ['null'], null],
  ];
  for (const [name, states, expected] of cases) {
    test(`line state: ${name}`, () => {
      const calls = states.map((s, i) => call(`c${i}`, [conn(`x${i}`, bob, 'calling', s)]));
      assert.equal(lineState(calls, 'bob', '202'), expected);
    });
  }

  test('line state: a called device that failed (busy) is not engaged, its ringing twin is', () => {
    const c = call('c', [
      conn('b1', bob, 'called', 'failed'),
      conn('b2', { ...bob, deviceId: 'db2' }, 'called', 'alerting'),
    ]);
    assert.equal(lineState([c], 'bob', '202'), 'ringing');
    assert.equal(lineState([call('d', [conn('b1', bob, 'called', 'failed')])], 'bob', '202'), null);
  });

  test('line state: ended calls, other users and other lines do not count', () => {
    const calls = [
      call('ended', [conn('a', bob, 'called', 'connected')], 5),
      call('other-line', [conn('b', { ...bob, lineId: 'lb2', lineNumber: '203' }, 'called', 'connected')]),
      call('other-user', [conn('c', { ...bob, userId: 'carol' }, 'called', 'connected')]),
    ];
    assert.equal(lineState(calls, 'bob', '202'), null);
  });

  test('the presence lines of a call: each user line once, keyed by number, else line id', () => {
    const c = call('c', [
      conn('a', alice, 'calling', 'initiated'),
      conn('b1', bob, 'called', 'alerting'),
      conn('b2', { ...bob, deviceId: 'db2' }, 'called', 'alerting'),
      conn('c', { userId: 'carol', lineId: 'lc' }, 'called', 'alerting'),
      conn('x', { number: '+49711' }, 'called', 'alerting'),
    ]);
    assert.deepEqual(presenceLines(c), [
      { userId: 'alice', key: '201' },
      { userId: 'bob', key: '202' },
      { userId: 'carol', key: 'lc' },
    ]);
  });
});
