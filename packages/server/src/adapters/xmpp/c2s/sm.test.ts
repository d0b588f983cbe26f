import assert from 'node:assert/strict';
import { test } from 'node:test';
import { x } from '../xml/element.js';
import { StreamManagement } from './sm.js';

test('acknowledgements drop what the client has, and never more than was sent', () => {
  const sm = new StreamManagement('t');
  for (const id of ['1', '2', '3']) sm.sent(x('message', { id }));
  const cases: [h: number, ok: boolean, left: string[]][] = [
    [1, true, ['2', '3']],
    [1, true, ['2', '3']],
    [3, true, []],
    [4, false, []],
  ];
  for (const [h, ok, left] of cases) {
    assert.equal(sm.ack(h), ok, `h=${h}`);
    assert.deepEqual(
      sm.unacked().map((s) => s.attrs.id),
      left,
      `h=${h}`,
    );
  }
});

test('counts wrap at 2^32', () => {
  const sm = new StreamManagement(null);
  sm.handled = 2 ** 32 - 1;
  sm.received();
  assert.equal(sm.handled, 0);
});

test('h attributes are parsed as 32-bit counts', () => {
  const cases: [string | undefined, number | undefined][] = [
    ['0', 0],
    ['4294967295', 4294967295],
    ['4294967296', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    [undefined, undefined],
  ];
  for (const [input, want] of cases) assert.equal(StreamManagement.count(input), want, String(input));
});
