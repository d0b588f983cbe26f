import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BerError, BerWriter, decode, frameLength, readBool, readInt, readString, Tag } from './ber.js';

const limits = { maxBytes: 1024, maxDepth: 4, maxElements: 20 };
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('BER', () => {
  const frames: [string, string, number | null | RegExp][] = [
    ['a whole message', '30 03 02 01 01', 5],
    ['a message and more', '30 03 02 01 01 30', 5],
    ['cut short', '30 05 02 01', null],
    ['nothing yet', '', null],
    ['long-form length', '30 81 03 02 01 01', 6],
    ['length header incomplete', '30 82 01', null],
    ['not a SEQUENCE', '04 02 41 42', /starts with 0x30/],
    ['indefinite length', '30 80 00 00', /indefinite/],
    ['a length of 5 bytes', '30 85 00 00 00 00 01', /length of 5 bytes/],
    ['over the size limit', '30 82 04 01', /over the limit of 1024/],
  ];
  for (const [name, bytes, expected] of frames) {
    test(`frameLength: ${name}`, () => {
      if (expected instanceof RegExp)
        assert.throws(() => frameLength(hex(bytes), 1024), { name: 'BerError', message: expected });
      else assert.equal(frameLength(hex(bytes), 1024), expected);
    });
  }

  const bad: [string, string, RegExp][] = [
    ['an element longer than its parent', '30 03 04 05 41', /longer than what holds it/],
    ['bytes after the message', '30 00 00', /bytes after/],
    ['nested too deep', '30 0a 30 08 30 06 30 04 30 02 30 00', /deeper than 4/],
    ['too many elements', `30 2a ${'04 00 '.repeat(21)}`, /more than 20 elements/],
    ['a multi-byte tag', '30 02 1f 00', /multi-byte tags/],
  ];
  for (const [name, bytes, message] of bad) {
    test(`decode refuses ${name}`, () => assert.throws(() => decode(hex(bytes), limits), { message }));
  }

  const ints: [number, string][] = [
    [0, '02 01 00'],
    [127, '02 01 7f'],
    [128, '02 02 00 80'],
    [256, '02 02 01 00'],
    [-1, '02 01 ff'],
    [-129, '02 02 ff 7f'],
    [2147483647, '02 04 7f ff ff ff'],
    [-2147483648, '02 04 80 00 00 00'],
  ];
  for (const [n, bytes] of ints) {
    test(`INTEGER ${n} round-trips`, () => {
      assert.deepEqual(new BerWriter(2).int(n).finish(), hex(bytes));
      assert.equal(readInt(decode(hex(bytes), limits), Tag.integer, 'n'), n);
    });
  }

  test('long values get long-form lengths; constructed elements decode into children', () => {
    const s = new BerWriter(8).octets('x'.repeat(300)).finish();
    assert.deepEqual(s.subarray(0, 4), hex('04 82 01 2c'));
    const tree = decode(new BerWriter().start(Tag.sequence).int(5).octets('ab').end().finish(), limits);
    assert.deepEqual(
      tree.children?.map((c) => [c.tag, c.value.toString('hex')]),
      [
        [Tag.integer, '05'],
        [Tag.octets, '6162'],
      ],
    );
    assert.throws(() => readInt(tree.children?.[1], Tag.integer, 'id'), BerError);
  });

  test('elements inside a message are read in place, each within its own bytes', () => {
    const w = new BerWriter().start(Tag.sequence).int(-300).octets('Mü').start(Tag.set).octets('xy').end();
    const tree = decode(w.start(Tag.sequence).end().end().finish(), limits);
    const [n, text, set] = tree.children ?? [];
    assert.equal(readInt(n, Tag.integer, 'n'), -300);
    assert.equal(readString(text, Tag.octets, 'text'), 'Mü');
    assert.equal(readString(set?.children?.[0], Tag.octets, 'inner'), 'xy');
    assert.equal(set?.value.toString('hex'), '04027879');
    assert.equal(readBool(decode(hex('01 01 ff'), limits), 'b'), true);
    assert.throws(() => readBool(decode(hex('01 02 00 00'), limits), 'b'), /boolean of 2 bytes/);
    assert.throws(() => readInt(decode(hex('02 05 01 00 00 00 00'), limits), Tag.integer, 'n'), /integer of 5 bytes/);
  });

  const nested: [number, string][] = [
    [3, `30 07 31 05 04 03 ${'78 '.repeat(3)}`],
    [125, `30 81 81 31 7f 04 7d ${'78 '.repeat(125)}`],
    [126, `30 81 83 31 81 80 04 7e ${'78 '.repeat(126)}`],
    [300, `30 82 01 34 31 82 01 30 04 82 01 2c ${'78 '.repeat(300)}`],
  ];
  for (const [n, bytes] of nested) {
    test(`BerWriter: nested lengths filled in when closed (${n} bytes inside)`, () => {
      const w = new BerWriter(4).start(Tag.sequence).start(Tag.set).octets('x'.repeat(n)).end().end();
      assert.equal(w.finish().toString('hex'), hex(bytes).toString('hex'));
    });
  }

  test('BerWriter: UTF-8 strings, and refuses to finish with an element open', () => {
    assert.deepEqual(new BerWriter(1).octets('Mü').finish(), hex('04 03 4d c3 bc'));
    assert.throws(() => new BerWriter().start(Tag.sequence).finish(), /still open/);
  });
});
