import assert from 'node:assert/strict';
import { test } from 'node:test';
import { slices } from './packed.js';
import { WordIndex } from './word-index.js';

/** The words merged into the base (as a snapshot takes them), in slices that yield at every pause. */
const compacted = async (w: WordIndex, slots: number) => {
  const merged = await w.merged(slices(0));
  if (merged) w.adopt(merged, slots);
  return w.image;
};

const found = (w: WordIndex, prefix: string) => {
  const ids: number[] = [];
  w.visit(prefix, (id) => {
    ids.push(id);
    return true;
  });
  return ids.sort((a, b) => a - b);
};

test('words of the base and words added since are found by prefix; removed contacts are not, reused ids are', async () => {
  const w = new WordIndex();
  w.add(0, ['müller', 'acme']);
  w.add(1, ['müllner', 'acme']);
  w.add(2, ['meier', 'zeta']);
  assert.deepEqual(found(w, 'mül'), [0, 1]);
  const image = await compacted(w, 3);
  // The base as a snapshot stores it: sorted words, their ids.
  assert.deepEqual(
    Array.from({ length: image.at.length - 1 }, (_, i) => image.text.toString('utf8', image.at[i], image.at[i + 1])),
    ['acme', 'meier', 'müller', 'müllner', 'zeta'],
  );
  const restored = WordIndex.fromImage(image, 3);
  for (const x of [w, restored]) {
    assert.deepEqual(found(x, 'mül'), [0, 1]);
    assert.deepEqual(found(x, 'acme'), [0, 1]);
    // Contact 0 changes: removed from its slot, which is reused by a contact with other words.
    x.remove(0, ['müller', 'acme']);
    assert.deepEqual(found(x, 'mül'), [1]);
    x.add(0, ['müller', 'neu']);
    x.add(3, ['acme']);
    assert.deepEqual(found(x, 'mül'), [0, 1]);
    assert.deepEqual(found(x, 'acme'), [1, 3]);
    assert.deepEqual(found(x, 'n'), [0]);
    assert.deepEqual(found(x, 'x'), []);
  }
  // Merged again: the same answers from the base alone.
  const merged = WordIndex.fromImage(await compacted(restored, 4), 4);
  assert.deepEqual(found(merged, 'mül'), [0, 1]);
  assert.deepEqual(found(merged, 'acme'), [1, 3]);
  assert.deepEqual(found(merged, 'neu'), [0]);
  merged.remove(2, ['meier', 'zeta']);
  assert.deepEqual(found(merged, 'zeta'), []);
  assert.equal((await compacted(merged, 4)).at.length - 1, 4, 'a word without contacts is left out');
});

test('a visit stops when told to, in the base and in the words added since', async () => {
  const w = new WordIndex();
  for (let id = 0; id < 100; id++) w.add(id, [`name${id}`]);
  const base = WordIndex.fromImage(await compacted(w, 100), 100);
  base.add(100, ['name100']);
  let seen = 0;
  base.visit('name', () => ++seen < 10);
  assert.equal(seen, 10);
  seen = 0;
  base.visit('name100', () => {
    seen++;
    return false;
  });
  assert.equal(seen, 1);
});
