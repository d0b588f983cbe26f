import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { PendingPings } from './probe.js';

const answer = (attrs: Record<string, string>) => x('iq', { id: 'p1', from: 'theirs.test', to: 'ours.test', ...attrs });

test('pending pings: only the answer from the pinged domain to ours, with the id, is taken', async () => {
  let t = 0;
  const pings = new PendingPings();
  const outcome = pings.expect('p1', 'ours.test', 'theirs.test', 10_000, () => t);
  const notTaken: [string, ReturnType<typeof answer>][] = [
    ['a get, not an answer', answer({ type: 'get' })],
    ['another id', answer({ type: 'result', id: 'p2' })],
    ['from another domain', answer({ type: 'result', from: 'other.test' })],
    ['from a user of the domain', answer({ type: 'result', from: 'eve@theirs.test' })],
    ['to a user of ours', answer({ type: 'result', to: 'bob@ours.test' })],
    ['to another of our domains', answer({ type: 'result', to: 'also-ours.test' })],
  ];
  for (const [name, stanza] of notTaken) assert.equal(pings.take(stanza), false, name);
  t = 42;
  assert.equal(pings.take(answer({ type: 'error' })), true);
  assert.deepEqual(await outcome, { answered: 'error', ms: 42 });
  assert.equal(pings.take(answer({ type: 'result' })), false, 'taken once');
});

test('pending pings: no answer within the bound is a timeout', async () => {
  const pings = new PendingPings();
  const outcome = await pings.expect('p9', 'ours.test', 'theirs.test', 20, () => 0);
  assert.equal(outcome.answered, false);
  assert.equal(pings.take(answer({ type: 'result', id: 'p9' })), false);
});
