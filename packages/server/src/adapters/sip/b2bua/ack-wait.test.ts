import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRequest, SipResponse } from '../message/index.js';
import { request, response } from '../transaction/test-messages.js';
import type { Flow } from '../transport/flow.js';
import { AckWait } from './ack-wait.js';

const ok = response(request({ seq: 7, toTag: '2' }), 200);

/** Runs a wait to its end (no ACK): when each retransmission went out, in T1 units, and when it gave up. */
async function unacked(reliable: boolean, t1: number, t2: number) {
  const start = performance.now();
  const sent: number[] = [];
  // The wait's timers do not hold the process open (unref): this one does, until it ends.
  const alive = setInterval(() => undefined, 1000);
  const lost = await new Promise<number>((resolve) => {
    const sw = {
      t1,
      t2,
      send: (m: SipRequest | SipResponse) => {
        assert.equal(m, ok);
        sent.push(performance.now() - start);
      },
    };
    const wait = new AckWait(sw, { reliable } as Flow, ok, () => resolve(performance.now() - start));
    assert.equal(wait.seq, 7);
  }).finally(() => clearInterval(alive));
  return { sent, lost };
}

test('a 2xx over UDP is sent again at T1, 2·T1 … T2 and given up after 64·T1 (RFC 3261 §13.3.1.4)', async () => {
  const t1 = 10;
  const { sent, lost } = await unacked(false, t1, 4 * t1);
  // Retransmissions at 1, 3, 7, then every 4 T1 (T2) until 64: 11, 15 … 63.
  assert.equal(sent.length, 3 + 14);
  const gaps = sent.map((at, i) => at - (sent[i - 1] ?? 0));
  for (const [i, gap] of gaps.entries()) assert.ok(gap >= Math.min(2 ** i, 4) * t1 - 2, `gap ${i}: ${gap} ms`);
  assert.ok(lost >= 64 * t1 - 2, `given up after ${lost} ms`);
});

test('over a reliable transport the 2xx is not sent again; the wait still ends after 64·T1', async () => {
  const { sent, lost } = await unacked(true, 5, 20);
  assert.deepEqual(sent, []);
  assert.ok(lost >= 64 * 5 - 2);
});
