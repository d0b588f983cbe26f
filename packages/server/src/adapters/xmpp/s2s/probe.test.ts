import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { PendingPings, pingAnswer } from './probe.js';

const answer = (attrs: Record<string, string>) =>
  x('iq', { id: 'check-p1', from: 'theirs.test', to: 'ours.test', ...attrs });
const take = (pings: PendingPings, stanza: ReturnType<typeof answer>) => {
  const a = pingAnswer(stanza);
  return a !== undefined && pings.take(a);
};

test('ping answers: an IQ result or error between two domains, with an id of the check', () => {
  assert.deepEqual(pingAnswer(answer({ type: 'result' })), {
    id: 'check-p1',
    answered: 'result',
    from: 'theirs.test',
    to: 'ours.test',
  });
  const not: [string, ReturnType<typeof answer>][] = [
    ['a get, not an answer', answer({ type: 'get' })],
    ["an id not the check's", answer({ type: 'result', id: 'p2' })],
    ['from a user of the domain', answer({ type: 'result', from: 'eve@theirs.test' })],
    ['to a user of ours', answer({ type: 'result', to: 'bob@ours.test' })],
    ['to a resource', answer({ type: 'result', to: 'ours.test/x' })],
  ];
  for (const [name, stanza] of not) assert.equal(pingAnswer(stanza), undefined, name);
});

test('pending pings: only the answer from the pinged domain to ours, with the id, is taken', async () => {
  let t = 0;
  const pings = new PendingPings();
  const outcome = pings.expect('check-p1', 'ours.test', 'theirs.test', 10_000, () => t);
  const notTaken: [string, ReturnType<typeof answer>][] = [
    ['another id', answer({ type: 'result', id: 'check-p2' })],
    ['from another domain', answer({ type: 'result', from: 'other.test' })],
    ['to another of our domains', answer({ type: 'result', to: 'also-ours.test' })],
  ];
  for (const [name, stanza] of notTaken) assert.equal(take(pings, stanza), false, name);
  t = 42;
  assert.equal(take(pings, answer({ type: 'error' })), true);
  assert.deepEqual(await outcome, { answered: 'error', ms: 42 });
  assert.equal(take(pings, answer({ type: 'result' })), false, 'taken once');
});

test('pending pings: no answer within the bound is a timeout', async () => {
  const pings = new PendingPings();
  const outcome = await pings.expect('check-p9', 'ours.test', 'theirs.test', 20, () => 0);
  assert.equal(outcome.answered, false);
  assert.equal(take(pings, answer({ type: 'result', id: 'check-p9' })), false);
});
