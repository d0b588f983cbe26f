import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mixFrames } from './mix.js';

const f = (...samples: number[]) => Int16Array.from(samples);
const plain = (frames: Int16Array[]) => frames.map((frame) => [...frame]);

test('each party hears the sum of the others, clipped to 16 bits', () => {
  const table: [string, (Int16Array | undefined)[], number[][]][] = [
    [
      'two parties hear each other',
      [f(1, 2), f(10, 20)],
      [
        [10, 20],
        [1, 2],
      ],
    ],
    [
      'three parties: N − 1',
      [f(1, -1), f(10, -10), f(100, -100)],
      [
        [110, -110],
        [101, -101],
        [11, -11],
      ],
    ],
    [
      'silence (no frame) counts as zero',
      [f(5, 5), undefined, f(7, -7)],
      [
        [7, -7],
        [12, -2],
        [5, 5],
      ],
    ],
    [
      'nobody speaks',
      [undefined, undefined],
      [
        [0, 0],
        [0, 0],
      ],
    ],
    ['alone: silence', [f(300, 300)], [[0, 0]]],
    [
      'clipped high',
      [f(0, 0), f(30000, 1), f(30000, 1)],
      [
        [32767, 2],
        [30000, 1],
        [30000, 1],
      ],
    ],
    [
      'clipped low',
      [f(0, 0), f(-30000, 0), f(-30000, 0)],
      [
        [-32768, 0],
        [-30000, 0],
        [-30000, 0],
      ],
    ],
    [
      'own loud voice removed before clipping',
      [f(32767, 0), f(32767, 0), f(-32768, 0)],
      [
        [-1, 0],
        [-1, 0],
        [32767, 0],
      ],
    ],
  ];
  for (const [what, frames, heard] of table) assert.deepEqual(plain(mixFrames(frames, 2)), heard, what);
});

test('the inputs are left as they were', () => {
  const a = f(1, 2);
  const b = f(3, 4);
  mixFrames([a, b], 2);
  assert.deepEqual([...a, ...b], [1, 2, 3, 4]);
  assert.equal(
    mixFrames([a, b]).every((frame) => frame.length === 160),
    true,
    'a 20 ms frame by default',
  );
});
