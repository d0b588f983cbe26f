import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FrameError, FrameReader, renderFrame } from './framing.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/csta/captured-frames/${name}`, import.meta.url));

/** A header-framed message as bytes, written out by hand (not by renderFrame). */
function framed(invokeId: string, xml: string): Buffer {
  const body = Buffer.from(xml);
  return Buffer.concat([
    Buffer.from([0, 0, (body.length + 8) >> 8, (body.length + 8) & 0xff]),
    Buffer.from(invokeId),
    body,
  ]);
}

describe('CSTA framing', () => {
  test('the captured frames: a 9999 header and the XML, byte for byte; renderFrame makes them again', () => {
    for (const name of ['OriginatedEvent', 'ServiceInitiatedEvent']) {
      const bin = fixture(`${name}.frame.bin`);
      const xml = fixture(`${name}.xml`);
      const reader = new FrameReader(65_535);
      const frames = reader.push(bin);
      assert.equal(reader.framing, 'header');
      assert.deepEqual(
        frames.map((f) => [f.invokeId, f.xml.equals(xml)]),
        [['9999', true]],
      );
      assert.ok(renderFrame('header', '9999', xml.toString('utf8')).equals(bin), name);
    }
  });

  const table: { name: string; chunks: Buffer[]; frames: [string | null, string][] }[] = [
    { name: 'one header frame', chunks: [framed('0001', '<a/>')], frames: [['0001', '<a/>']] },
    {
      name: 'two frames in one chunk',
      chunks: [Buffer.concat([framed('0001', '<a/>'), framed('0002', '<b/>')])],
      frames: [
        ['0001', '<a/>'],
        ['0002', '<b/>'],
      ],
    },
    {
      name: 'a frame split inside its header and body',
      chunks: [
        framed('0042', '<split/>').subarray(0, 3),
        framed('0042', '<split/>').subarray(3, 10),
        framed('0042', '<split/>').subarray(10),
      ],
      frames: [['0042', '<split/>']],
    },
    {
      name: 'NUL separated documents, split, with a blank keep-alive',
      chunks: [Buffer.from('<a/>\0\n\0<b>x'), Buffer.from('</b>\0')],
      frames: [
        [null, '<a/>'],
        [null, '<b>x</b>'],
      ],
    },
    {
      name: 'NUL framing after an XML declaration',
      chunks: [Buffer.from('<?xml version="1.0"?><a/>\0')],
      frames: [[null, '<?xml version="1.0"?><a/>']],
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      const reader = new FrameReader(1000);
      const frames = row.chunks.flatMap((c) => reader.push(c));
      assert.deepEqual(
        frames.map((f) => [f.invokeId, f.xml.toString()]),
        row.frames,
      );
    });
  }

  const broken: { name: string; bytes: Buffer; message: RegExp }[] = [
    {
      name: 'a first byte that is neither header nor XML',
      bytes: Buffer.from('GET / HTTP/1.1\r\n'),
      message: /neither/,
    },
    {
      name: 'a length shorter than the header',
      bytes: Buffer.from([0, 0, 0, 7, 0x30, 0x30, 0x30, 0x31]),
      message: /shorter/,
    },
    {
      name: 'a length over the limit',
      bytes: Buffer.from([0, 0, 0x10, 0, 0x30, 0x30, 0x30, 0x31]),
      message: /over 1000/,
    },
    {
      name: 'an invoke id that is not digits',
      bytes: Buffer.from([0, 0, 0, 12, 0x41, 0x42, 0x43, 0x44]),
      message: /four ASCII digits/,
    },
    {
      name: 'a second frame without its zero bytes',
      bytes: Buffer.concat([framed('0001', '<a/>'), Buffer.from([1, 0, 0, 12, 0x30, 0x30, 0x30, 0x31])]),
      message: /two zero bytes/,
    },
    { name: 'a NUL-framed message over the limit', bytes: Buffer.from(`<a>${'x'.repeat(1000)}`), message: /over 1000/ },
  ];
  for (const row of broken) {
    test(`refused: ${row.name}`, () => {
      assert.throws(
        () => new FrameReader(1000).push(row.bytes),
        (err: Error) => err instanceof FrameError && row.message.test(err.message),
      );
    });
  }

  test('renderFrame: NUL framing appends a zero byte; header framing writes length and invoke id', () => {
    assert.deepEqual([...renderFrame('nul', '0001', '<a/>')], [...Buffer.from('<a/>\0')]);
    assert.ok(renderFrame('header', '0007', '<ä/>').equals(framed('0007', '<ä/>')));
    assert.ok(renderFrame('header', null, '<a/>').subarray(4, 8).equals(Buffer.from('9999')));
    assert.throws(() => renderFrame('header', '0001', 'x'.repeat(65_535)), /does not fit/);
  });
});
