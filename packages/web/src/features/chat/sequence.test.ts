import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@parley/api';
import { contiguousEnd, merge, replace } from './sequence.js';

const msg = (seq: number, text = `m${seq}`): Message => ({
  id: `id-${seq}`,
  conversationId: 'c',
  seq,
  senderId: 'u',
  sender: 'u@example.test',
  external: false,
  clientId: `k${seq}`,
  text,
  replyTo: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  reactions: [],
  attachments: [],
});

test('merge orders by sequence and keeps one copy per sequence, the newer', () => {
  const merged = merge([msg(3), msg(1)], [msg(2), msg(3, 'edited')]);
  assert.deepEqual(
    merged.map((m) => [m.seq, m.text]),
    [
      [1, 'm1'],
      [2, 'm2'],
      [3, 'edited'],
    ],
  );
});

test('contiguousEnd: the newest sequence before the first hole (a lost event), else the newest', () => {
  assert.equal(contiguousEnd([]), 0);
  assert.equal(contiguousEnd([msg(7), msg(8), msg(9)]), 9);
  assert.equal(contiguousEnd([msg(7), msg(8), msg(10), msg(11)]), 8, 'the gap after 8 is caught up from there');
  assert.equal(contiguousEnd([msg(1), msg(3), msg(5)]), 1);
});

test('replace changes only messages already held; the same array when none is', () => {
  const held = [msg(1), msg(2)];
  assert.equal(replace(held, [msg(5, 'elsewhere')]), held, 'a message not loaded stays not loaded');
  const next = replace(held, [msg(2, 'edited')]);
  assert.deepEqual(
    next.map((m) => m.text),
    ['m1', 'edited'],
  );
});
