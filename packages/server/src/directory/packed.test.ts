import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredContact } from './model.js';
import { Arena, decodeContact, encodeContact, IdTable, numberKey, slices, stringKey } from './packed.js';

const base: StoredContact = {
  externalId: 'x"1\\',
  name: 'Anna "Ä" Berger',
  givenName: null,
  surname: 'Berger',
  company: 'Muster GmbH',
  department: null,
  title: null,
  email: 'anna@muster.test',
  url: null,
  numbers: [
    { type: 'work', raw: '+49 711 1234-0', e164: '+497111234560', block: true },
    { type: 'mobile', raw: 'n/a', e164: null },
  ],
};

test('a contact comes back from its packed form as it went in (users with an address; fields of its own kept whole)', () => {
  for (const c of [
    base,
    { ...base, address: 'anna@muster.test' },
    { ...base, numbers: [{ type: 'work' as const, raw: '1', e164: '+1', block: false }] },
    { ...base, extra: 'kept' } as StoredContact,
  ]) {
    assert.deepEqual(decodeContact(encodeContact(c)), c);
  }
});

test('numbers have a numeric key only when they are plain E.164 of at most 18 digits', () => {
  assert.deepEqual(numberKey('+49711123456'), [49, 711123456]);
  assert.deepEqual(numberKey('+123'), [0, 123]);
  assert.deepEqual(numberKey('+497111234560001'), [497111, 234560001]);
  for (const odd of ['49711', '+0711', '+49a11', '+', '+1234567890123456789']) assert.equal(numberKey(odd), null);
});

test('the id table keeps lists in order through growth, removals and reused deleted slots', () => {
  const t = new IdTable();
  for (let i = 0; i < 50_000; i++) {
    t.add(i % 7, i, i);
    if (i % 3 === 0) t.add(i % 7, i, i + 1_000_000);
  }
  for (let i = 0; i < 50_000; i += 2) t.remove(i % 7, i, i);
  const list = (hi: number, lo: number) => {
    const out: number[] = [];
    for (let n = t.first(hi, lo); n >= 0; n = t.next(n)) out.push(t.id(n));
    return out;
  };
  assert.deepEqual(list(3, 3), [3, 1_000_003]);
  assert.deepEqual(list(6, 6), [1_000_006]);
  assert.deepEqual(list(4, 4), []);
  assert.deepEqual(list(1, 1), [1]);
  for (let i = 0; i < 50_000; i++) t.add(9, i, i);
  assert.deepEqual(list(9, 49_999), [49_999]);
  let keys = 0;
  t.forEachKey(() => keys++);
  assert.equal(keys, t.keys);
  assert.notDeepEqual(stringKey('a@b'), stringKey('a@c'));
});

test('the arena reclaims the space of removed records', async () => {
  const arena = new Arena();
  const off = new Uint32Array(3);
  const len = new Uint32Array(3);
  ['eins', 'zwei', 'drei'].forEach((text, i) => {
    const r = arena.append(text);
    off[i] = r.off;
    len[i] = r.len;
  });
  arena.garbage = len[1] as number;
  const compacted = await arena.compacted(off, len, (i) => i !== 1, 3, slices(0));
  // Nothing changes until the result is taken.
  assert.equal(arena.bytes, 12);
  assert.equal(arena.read(off[2] as number, len[2] as number), 'drei');
  arena.adopt(compacted);
  assert.equal(arena.bytes, 8);
  assert.equal(arena.read(compacted.offsets[2] as number, len[2] as number), 'drei');
});
