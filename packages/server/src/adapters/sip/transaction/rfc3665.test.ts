/**
 * RFC 3665 §3.8 (Unsuccessful No Answer) replayed through the transaction layers of Alice (UAC)
 * and Bob (UAS): the recorded messages are fed in, and what the layers send is compared with the
 * recorded messages. The proxies' messages are not used (F11 and F18 carry known errata).
 * The header extraction below reads only the fields the transaction layer needs; the real parser
 * lives in adapters/sip/message/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { cancelFor } from './invite-client.js';
import { type ServerTransaction, TransactionLayer, type TransactionUser } from './layer.js';
import { FakeClock } from './scheduler.js';
import type { NameAddr, SipMessage, SipRequest, SipResponse, Via } from './types.js';

const flow: string[] = parse(
  readFileSync(
    new URL('../../../../test/transcripts/sip/rfc3665-3.08-unsuccessful-no-answer.yaml', import.meta.url),
    'utf8',
  ),
);
const F = (n: number): string => flow[n - 1] as string;

function fields(text: string): SipMessage {
  const [head = ''] = text.split(/\r?\n\r?\n/);
  const [start = '', ...lines] = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const values = (name: string) =>
    lines
      .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
      .map((l) => l.slice(name.length + 1).trim());
  const one = (name: string) => values(name)[0] ?? '';
  const nameAddr = (value: string): NameAddr => ({
    uri: /<([^>]+)>/.exec(value)?.[1] ?? '',
    ...(/;tag=([^;\s]+)/.exec(value) ? { tag: /;tag=([^;\s]+)/.exec(value)?.[1] } : {}),
  });
  const via = values('Via').map((v): Via => {
    const m = /^SIP\/2\.0\/(\w+) ([^:;\s]+)(?::(\d+))?.*?;branch=([^;\s]+)/.exec(v);
    assert.ok(m, `Via ${v}`);
    return { transport: m[1] as string, host: m[2] as string, port: Number(m[3]), branch: m[4] as string };
  });
  const [seq, cseqMethod] = one('CSeq').split(' ');
  const common = {
    via,
    from: nameAddr(one('From')),
    to: nameAddr(one('To')),
    callId: one('Call-ID'),
    cseq: { seq: Number(seq), method: cseqMethod as string },
  };
  const status = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(start);
  if (status) return { ...common, status: Number(status[1]), reason: status[2] as string };
  const [method = '', requestUri = ''] = start.split(' ');
  const route = values('Route');
  return { ...common, method, requestUri, ...(route.length ? { route } : {}) };
}
const request = (n: number) => fields(F(n)) as SipRequest;
const response = (n: number) => fields(F(n)) as SipResponse;
/** The fields a transaction compares or builds, without Via parameters the layer does not set. */
const shape = (m: SipMessage) => JSON.parse(JSON.stringify(m));

function harness() {
  const sent: SipMessage[] = [];
  const up: string[] = [];
  const server: ServerTransaction<string>[] = [];
  const tu: TransactionUser<string> = {
    request: (r, tx) => {
      server.push(tx);
      up.push(r.method);
    },
    cancel: (_c, tx, invite) => {
      server.push(tx);
      up.push(`CANCEL of ${invite?.request.method}`);
    },
    ack: (a) => up.push(`ACK ${a.method}`),
    response: (r) => up.push(`${r.status}`),
    strayResponse: (r) => up.push(`stray ${r.status}`),
    failed: (_tx, reason) => up.push(reason),
  };
  const clock = new FakeClock();
  const layer = new TransactionLayer<string>({ scheduler: clock, tu, maxTransactions: 10, send: (m) => sent.push(m) });
  return { layer, sent, up, server, clock };
}

describe('RFC 3665 §3.8 Unsuccessful No Answer through the transaction layer', () => {
  test("Alice's side: INVITE, 100, 180, CANCEL, 200, 487 answered by the transaction's own ACK (F20)", () => {
    const { layer, sent, up } = harness();
    layer.sendRequest(request(1), 'proxy1', false);
    layer.receiveResponse(response(3), 'proxy1');
    layer.receiveResponse(response(8), 'proxy1');
    const cancel = cancelFor(request(1));
    assert.deepEqual(shape(cancel), shape(request(9)), 'F9 is the CANCEL of F1');
    layer.sendRequest(cancel, 'proxy1', false);
    layer.receiveResponse(response(10), 'proxy1');
    layer.receiveResponse(response(19), 'proxy1');
    assert.deepEqual(up, ['100', '180', '200', '487']);
    assert.deepEqual(sent.slice(0, 2).map(shape), [request(1), request(9)].map(shape));
    // F20 leaves out the Route of F1, which §17.1.1.3 requires in the ACK; everything else is equal.
    const { route, ...ack } = sent[2] as SipRequest;
    assert.deepEqual(route, request(1).route);
    assert.deepEqual(shape(ack), shape(request(20)));
  });

  test("Bob's side: INVITE, CANCEL matched to it, 487, and the ACK (F16) absorbed", () => {
    const { layer, sent, up, server, clock } = harness();
    layer.receiveRequest(request(4), 'proxy2', false);
    const [invite] = server;
    assert.ok(invite);
    layer.respond(invite, response(6));
    layer.receiveRequest(request(13), 'proxy2', false);
    const cancel = server[1];
    assert.ok(cancel);
    layer.respond(cancel, response(14));
    layer.respond(invite, response(15));
    layer.receiveRequest(request(16), 'proxy2', false);
    assert.deepEqual(up, ['INVITE', 'CANCEL of INVITE']);
    assert.deepEqual(
      sent.map((m) => ('status' in m ? m.status : m.method)),
      [100, 180, 200, 487],
    );
    clock.advance(32_000);
    assert.equal(layer.size, 0);
  });
});
