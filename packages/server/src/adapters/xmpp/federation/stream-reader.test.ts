import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { type StreamEvent, StreamReader } from './stream-reader.js';

const HEADER = "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

/** The events `input` gives, in order, until the stream ends or fails. */
async function read(...input: string[]): Promise<string[]> {
  const socket = new PassThrough();
  const reader = new StreamReader(socket);
  for (const chunk of input) socket.write(chunk);
  const out: string[] = [];
  for (;;) {
    const e: StreamEvent = await reader.next(1000);
    out.push(e.kind === 'element' ? e.element.toString() : e.kind === 'error' ? `error: ${e.reason}` : e.kind);
    if (e.kind !== 'element' && e.kind !== 'open') return out;
  }
}

test('the header, then each top-level element whole, split anywhere; the stream end', async () => {
  assert.deepEqual(
    await read(
      `<?xml version='1.0'?>${HEADER}<stream:feat`,
      "ures><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
      '<proceed/></stream:stream>',
    ),
    [
      'open',
      '<features xmlns="http://etherx.jabber.org/streams"><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></features>',
      '<proceed/>',
      'end',
    ],
  );
});

test('no DTD, entity, processing instruction, deep nesting or flood', async () => {
  const cases: [string, RegExp][] = [
    [`<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]>${HEADER}`, /DTD/],
    [`${HEADER}<x>&a;</x>`, /forbids.*predefined entities/],
    [`${HEADER}<?pi data?>`, /processing instruction/],
    [`${HEADER}${'<a>'.repeat(20)}`, /nested deeper than 16/],
    [`${HEADER}<x>${'y'.repeat(70 * 1024)}</x>`, /more than 64 KiB/],
    [`${HEADER}<x></y>`, /malformed XML/],
  ];
  for (const [input, reason] of cases) {
    const events = await read(input);
    assert.match(events.at(-1) ?? '', reason, input.slice(0, 80));
  }
});

test('silence: an error naming the wait', async () => {
  assert.deepEqual(await read(HEADER), ['open', 'error: no answer within 1 s']);
});
