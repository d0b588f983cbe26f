import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { type SipMessage, tagOf } from '../message/index.js';
import { cancelFor } from './invite-client.js';
import { type ServerTransaction, TransactionLayer, TransactionLimitError } from './layer.js';
import { FakeClock } from './scheduler.js';
import { ack, label, request, response } from './test-messages.js';

type Flow = string;

let clock: FakeClock;
let log: string[];
let server: ServerTransaction<Flow>[];
let layer: TransactionLayer<Flow>;

function newLayer(maxTransactions = 100): TransactionLayer<Flow> {
  return new TransactionLayer<Flow>({
    scheduler: clock,
    maxTransactions,
    newTag: () => 'fixed-tag',
    send: (m, flow) => log.push(`${clock.now} send ${label(m)} to ${flow}`),
    tu: {
      request: (r, tx) => {
        server.push(tx);
        log.push(`${clock.now} request ${r.method}`);
      },
      cancel: (_c, tx, invite) => {
        server.push(tx);
        log.push(`${clock.now} cancel ${invite ? invite.request.method : 'no match'}`);
      },
      ack: (a, flow) => log.push(`${clock.now} ack ${a.via[0]?.branch} from ${flow}`),
      response: (r) => log.push(`${clock.now} response ${label(r)}`),
      strayResponse: (r) => log.push(`${clock.now} stray ${label(r)}`),
      failed: (tx, reason) => log.push(`${clock.now} ${reason} ${tx.request.method}`),
    },
  });
}

beforeEach(() => {
  clock = new FakeClock();
  log = [];
  server = [];
  layer = newLayer();
});

const sends = () => log.filter((l) => l.includes(' send ')).map((l) => Number(l.split(' ')[0]));

describe('TransactionLayer: timer schedules over a fake clock', () => {
  test('INVITE client over UDP: A at T1 doubling, B at 64·T1 times out and removes it', () => {
    layer.sendRequest(request(), 'udp:bob', false);
    clock.advance(40_000);
    assert.deepEqual(sends(), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(log.at(-1), '32000 timeout INVITE');
    assert.equal(layer.size, 0);
    assert.deepEqual(clock.timers, []);
  });

  test('INVITE client over TCP: one send, B still times out', () => {
    layer.sendRequest(request({ transport: 'TCP' }), 'tcp:bob', true);
    clock.advance(40_000);
    assert.deepEqual(log, ['0 send INVITE to tcp:bob', '32000 timeout INVITE']);
  });

  test('non-INVITE client over UDP: E doubles up to T2 then every T2, F at 64·T1', () => {
    layer.sendRequest(request({ method: 'OPTIONS' }), 'udp:bob', false);
    clock.advance(40_000);
    assert.deepEqual(sends(), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(log.at(-1), '32000 timeout OPTIONS');
  });

  test('non-INVITE client: a provisional response makes E fire every T2', () => {
    const options = request({ method: 'OPTIONS' });
    layer.sendRequest(options, 'udp:bob', false);
    clock.advance(100);
    layer.receiveResponse(response(options, 100), 'udp:bob');
    clock.advance(12_000);
    assert.deepEqual(
      sends(),
      [0, 500, 4500, 8500, 12500].filter((t) => t <= 12_100),
    );
  });

  test('INVITE server over UDP: the final response repeats on G (doubling to T2) until H', () => {
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    const [tx] = server;
    assert.ok(tx);
    layer.respond(tx, response(invite, 486));
    clock.advance(40_000);
    assert.deepEqual(
      sends(),
      [0, 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
      '100 Trying, 486, then G',
    );
    assert.equal(log.at(-1), '32000 timeout INVITE');
    assert.equal(layer.size, 0);
  });

  test('INVITE server: the ACK stops G, timer I (T4) then removes the transaction', () => {
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    layer.respond(server[0] as ServerTransaction<Flow>, response(invite, 486));
    clock.advance(600);
    layer.receiveRequest(ack(invite, response(invite, 486)), 'udp:alice', false);
    assert.equal(layer.size, 1);
    assert.deepEqual(clock.timers, ['I@5600']);
    clock.advance(5000);
    assert.equal(layer.size, 0);
    assert.ok(!log.some((l) => l.includes(' ack ')), 'the ACK of a non-2xx is absorbed');
  });

  test('non-INVITE server: the final response answers retransmissions until J, at once gone over TCP', () => {
    const options = request({ method: 'OPTIONS' });
    layer.receiveRequest(options, 'udp:alice', false);
    layer.receiveRequest(options, 'udp:alice', false);
    layer.respond(server[0] as ServerTransaction<Flow>, response(options, 200));
    clock.advance(31_000);
    layer.receiveRequest(options, 'udp:alice', false);
    clock.advance(1000);
    assert.deepEqual(log, [
      '0 request OPTIONS',
      '0 send 200 OPTIONS to udp:alice',
      '31000 send 200 OPTIONS to udp:alice',
    ]);
    assert.equal(layer.size, 0);

    layer.receiveRequest(request({ method: 'OPTIONS', transport: 'TCP' }), 'tcp:alice', true);
    layer.respond(server[1] as ServerTransaction<Flow>, response(options, 200));
    assert.equal(layer.size, 0);
  });
});

describe('TransactionLayer: matching and the TU', () => {
  test('a retransmitted INVITE is absorbed and gets the last response again', () => {
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    layer.respond(server[0] as ServerTransaction<Flow>, response(invite, 180));
    layer.receiveRequest(invite, 'udp:alice', false);
    assert.deepEqual(log, [
      '0 send 100 INVITE to udp:alice',
      '0 request INVITE',
      '0 send 180 INVITE to udp:alice',
      '0 send 180 INVITE to udp:alice',
    ]);
  });

  test('2xx: the server transaction waits in Accepted (timer L); the ACK of the 2xx goes to the TU', () => {
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    const ok = response(invite, 200);
    layer.respond(server[0] as ServerTransaction<Flow>, ok);
    layer.receiveRequest(invite, 'udp:alice', false);
    layer.receiveRequest(ack(invite, ok, 'z9hG4bKack'), 'udp:alice', false);
    assert.deepEqual(log.slice(2), ['0 send 200 INVITE to udp:alice', '0 ack z9hG4bKack from udp:alice']);
    assert.equal(layer.size, 1);
    clock.advance(32_000);
    assert.equal(layer.size, 0);
  });

  test('client: responses reach their transaction, CANCEL responses their own, unknown ones go stray', () => {
    const invite = request();
    layer.sendRequest(invite, 'udp:bob', false);
    layer.receiveResponse(response(invite, 180), 'udp:bob');
    const cancel = cancelFor(invite);
    layer.sendRequest(cancel, 'udp:bob', false);
    layer.receiveResponse(response(cancel, 200), 'udp:bob');
    layer.receiveResponse(response(invite, 487), 'udp:bob');
    layer.receiveResponse(response(request({ branch: 'z9hG4bKunknown' }), 200), 'udp:bob');
    assert.deepEqual(log, [
      '0 send INVITE to udp:bob',
      '0 response 180 INVITE',
      '0 send CANCEL to udp:bob',
      '0 response 200 CANCEL',
      '0 send ACK to udp:bob',
      '0 response 487 INVITE',
      '0 stray 200 INVITE',
    ]);
    assert.equal(layer.size, 2, 'the INVITE waits in Completed for timer D, the CANCEL for timer K');
    clock.advance(32_000);
    assert.equal(layer.size, 0);
  });

  test('client: every 2xx retransmission is passed up until timer M, then it is stray', () => {
    const invite = request();
    layer.sendRequest(invite, 'udp:bob', false);
    layer.receiveResponse(response(invite, 200), 'udp:bob');
    layer.receiveResponse(response(invite, 200), 'udp:bob');
    clock.advance(32_000);
    layer.receiveResponse(response(invite, 200), 'udp:bob');
    assert.deepEqual(log.slice(1), ['0 response 200 INVITE', '0 response 200 INVITE', '32000 stray 200 INVITE']);
  });

  test('CANCEL gets its own server transaction and the INVITE it cancels', () => {
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    const cancel = request({ method: 'CANCEL' });
    layer.receiveRequest(cancel, 'udp:alice', false);
    layer.receiveRequest(cancel, 'udp:alice', false);
    layer.receiveRequest(request({ method: 'CANCEL', branch: 'z9hG4bKnone' }), 'udp:alice', false);
    assert.deepEqual(log.slice(2), ['0 cancel INVITE', '0 cancel no match']);
    assert.equal(server[1]?.machine.request.method, 'CANCEL');
    assert.equal(layer.size, 3);
  });

  test('RFC 2543 peer: ACK matched by the To tag of the response sent', () => {
    const invite = request({ branch: 'old1' });
    layer.receiveRequest(invite, 'udp:alice', false);
    const busy = response(invite, 486, 'server-tag');
    layer.respond(server[0] as ServerTransaction<Flow>, busy);
    layer.receiveRequest(ack(invite, response(invite, 486, 'wrong-tag')), 'udp:alice', false);
    assert.equal(log.at(-1), '0 ack old1 from udp:alice', 'not ours: passed up');
    layer.receiveRequest(ack(invite, busy), 'udp:alice', false);
    assert.deepEqual(clock.timers, ['I@5000']);
  });

  test('a transport error tells the TU and removes the transaction', () => {
    const tx = layer.sendRequest(request({ method: 'MESSAGE' }), 'tcp:bob', true);
    layer.transportError(tx);
    layer.transportError(tx);
    assert.deepEqual(log, ['0 send MESSAGE to tcp:bob', '0 transport-error MESSAGE']);
    assert.equal(layer.size, 0);
  });
});

describe('TransactionLayer: limits and bad input', () => {
  test('beyond the bound a new request is refused with 503, retransmissions still served', () => {
    layer = newLayer(2);
    const invite = request();
    layer.receiveRequest(invite, 'udp:alice', false);
    layer.sendRequest(request({ method: 'OPTIONS', branch: 'z9hG4bKout' }), 'udp:bob', false);
    log = [];
    layer.receiveRequest(request({ method: 'MESSAGE', branch: 'z9hG4bKnew' }), 'udp:carol', false);
    layer.receiveRequest(invite, 'udp:alice', false);
    layer.receiveRequest(ack(invite, response(invite, 200), 'z9hG4bKa'), 'udp:alice', false);
    assert.deepEqual(log, [
      '0 send 503 MESSAGE to udp:carol',
      '0 send 100 INVITE to udp:alice',
      '0 ack z9hG4bKa from udp:alice',
    ]);
    assert.throws(
      () => layer.sendRequest(request({ method: 'BYE', branch: 'z9hG4bKb' }), 'x', false),
      TransactionLimitError,
    );
    assert.equal(layer.size, 2);
  });

  test('one source has at most its share of unanswered requests; others still get theirs', () => {
    const sent: [string, number][] = [];
    const answering: string[] = [];
    const txs: ServerTransaction<Flow>[] = [];
    const layer = new TransactionLayer<Flow>({
      scheduler: clock,
      maxTransactions: 100,
      maxPerSource: 2,
      sourceOf: (flow) => flow.split(':')[0] as string,
      send: (m, flow) => m.kind === 'response' && sent.push([flow, m.status]),
      tu: {
        request: (_r, tx) => {
          answering.push(tx.flow);
          txs.push(tx);
        },
        cancel() {},
        ack() {},
        response() {},
        strayResponse() {},
        failed() {},
      },
    });
    for (const [branch, flow] of [
      ['z9hG4bK1', 'flood:1'],
      ['z9hG4bK2', 'flood:2'],
      ['z9hG4bK3', 'flood:3'],
      ['z9hG4bK4', 'phone:1'],
    ]) {
      layer.receiveRequest(request({ method: 'OPTIONS', branch }), flow as string, false);
    }
    assert.deepEqual(answering, ['flood:1', 'flood:2', 'phone:1']);
    assert.deepEqual(sent, [['flood:3', 503]]);
    // Once answered (still absorbing retransmissions until timer J), the source has room again.
    for (const tx of txs) layer.respond(tx, response(tx.request, 200));
    assert.equal(layer.size, 3);
    layer.receiveRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK5' }), 'flood:5', false);
    assert.deepEqual(answering.at(-1), 'flood:5');
  });

  test('the 503 carries a To tag of the layer', () => {
    const sent: SipMessage[] = [];
    const full = new TransactionLayer<Flow>({
      scheduler: clock,
      maxTransactions: 1,
      newTag: () => 'limit-tag',
      send: (m) => sent.push(m),
      tu: { request() {}, cancel() {}, ack() {}, response() {}, strayResponse() {}, failed() {} },
    });
    full.receiveRequest(request({ method: 'OPTIONS' }), 'a', false);
    full.receiveRequest(request({ method: 'OPTIONS', branch: 'z9hG4bK2' }), 'a', false);
    assert.deepEqual(
      sent.map((m) => (m.kind === 'response' ? [m.status, tagOf(m.to)] : [])),
      [[503, 'limit-tag']],
    );
  });

  test('bad use is refused with a clear error', () => {
    assert.throws(() => newLayer(0), /maxTransactions/);
    assert.throws(() => layer.sendRequest(request({ method: 'ACK' }), 'x', false), /ACK/);
    layer.sendRequest(request(), 'x', false);
    assert.throws(() => layer.sendRequest(request(), 'x', false), /already live/);
    const opts = { scheduler: clock, maxTransactions: 1, send() {}, tu: {} as never };
    assert.throws(() => new TransactionLayer({ ...opts, timers: { t1: 5000, t2: 4000 } }), /T2/);
    assert.throws(() => new TransactionLayer({ ...opts, timers: { t1: 0 } }), /t1/);
  });
});
