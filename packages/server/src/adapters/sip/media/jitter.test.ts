import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JitterBuffer } from './jitter.js';

const frame = (n: number) => Buffer.from([n >> 8, n & 0xff]);
/** Plays a script: numbers push that sequence, '.' pops; returns what each pop gave ('-' for nothing). */
function play(buffer: JitterBuffer, script: (number | '.')[]): string {
  const out: string[] = [];
  for (const step of script) {
    if (step === '.') out.push(String(buffer.pop()?.readUInt16BE(0) ?? '-'));
    else buffer.push(step, frame(step));
  }
  return out.join(' ');
}

test('plays in sequence order once two frames are in', () => {
  const buffer = new JitterBuffer();
  assert.equal(play(buffer, ['.', 1, '.', 3, 2, '.', '.', '.', 4, '.']), '- - 1 2 3 4');
  assert.deepEqual(buffer.stats, { late: 0, missing: 0, overflow: 0 });
});

test('a lost frame is a gap (silence); a late one is dropped', () => {
  const buffer = new JitterBuffer();
  assert.equal(play(buffer, [10, 12, '.', '.', 11, '.', 13, 14, '.', '.']), '10 - 12 13 14');
  assert.deepEqual(buffer.stats, { late: 1, missing: 1, overflow: 0 });
});

test('running dry waits for two frames again without skipping ahead (a sender that paused)', () => {
  const buffer = new JitterBuffer();
  assert.equal(play(buffer, [1, 2, '.', '.', '.', '.', 3, '.', 4, '.', '.']), '1 2 - - - 3 4');
  assert.equal(buffer.stats.missing, 0);
});

test('a full buffer drops its oldest frames; a jump of sequence numbers starts over', () => {
  const buffer = new JitterBuffer(4, 2);
  assert.equal(play(buffer, [1, 2, 3, 4, 5, 6, '.', '.']), '3 4');
  assert.equal(buffer.stats.overflow, 2);
  assert.equal(play(buffer, [5000, 5001, '.', '.', '.']), '5000 5001 -');
  assert.equal(play(buffer, [4990, 4991, '.']), '4990');
});

test('sequence numbers wrap', () => {
  const buffer = new JitterBuffer();
  assert.equal(play(buffer, [65534, 65535, '.', 0, '.', 1, '.', '.']), '65534 65535 0 1');
});

test('reset forgets every frame', () => {
  const buffer = new JitterBuffer();
  play(buffer, [1, 2, 3]);
  buffer.reset();
  assert.equal(play(buffer, ['.', 700, '.', 701, '.']), '- - 700');
});
