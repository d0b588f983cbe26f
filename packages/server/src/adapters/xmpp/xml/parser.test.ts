import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ParseCondition, ParseError, type ParserLimits, parseFrame, StreamParser } from './parser.js';

const limits: ParserLimits = { maxStanzaSize: 1000, maxDepth: 5, maxAttributes: 4, maxChildren: 6 };
const HEADER =
  "<?xml version='1.0'?><stream:stream to='a.test' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

/** Feeds `chunks`, returns the events as short strings (or the ParseError's condition). */
function run(chunks: string[], l = limits): string[] {
  const parser = new StreamParser(l);
  const out: string[] = [];
  try {
    for (const c of chunks) {
      for (const e of parser.push(Buffer.from(c))) {
        out.push(e.kind === 'element' ? e.element.toString() : e.kind === 'open' ? `open ${e.attrs.to}` : 'close');
      }
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    out.push(`error ${err.condition}`);
  }
  return out;
}

describe('the stream parser', () => {
  test('yields the header, every stanza and the end, however the stream is split', () => {
    const stream = `${HEADER}<message to='b@a.test'><body>h&amp;i &#x263A;</body></message> <iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq></stream:stream>`;
    const want = [
      'open a.test',
      '<message to="b@a.test"><body>h&amp;i ☺</body></message>',
      '<iq type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>',
      'close',
    ];
    for (const size of [1, 2, 7, 64, stream.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      assert.deepEqual(run(chunks), want, `chunks of ${size}`);
    }
  });

  test('a UTF-8 character split across chunks', () => {
    const bytes = Buffer.from(`${HEADER}<message><body>é</body></message>`);
    const parser = new StreamParser(limits);
    const split = bytes.length - '</body></message>'.length - 1;
    const events = [...parser.push(bytes.subarray(0, split)), ...parser.push(bytes.subarray(split))];
    assert.equal(events.at(-1)?.kind === 'element' && events.at(-1)?.kind, 'element');
    assert.equal(String(events[1]?.kind === 'element' && events[1].element.childText('body')), 'é');
  });

  test('namespaces: prefixes become xmlns on the element, stanzas lose the stream default', () => {
    const out = run([`${HEADER}<iq xmlns:p='urn:x'><p:q a='1'/></iq><r xmlns='urn:xmpp:sm:3'/>`]);
    assert.deepEqual(out.slice(1), ['<iq><q xmlns="urn:x" a="1"/></iq>', '<r xmlns="urn:xmpp:sm:3"/>']);
  });

  const bad: [name: string, input: string, condition: ParseCondition][] = [
    ['malformed XML', `${HEADER}<message><body></message>`, 'not-well-formed'],
    [
      'a DTD (billion laughs)',
      `<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${HEADER}`,
      'restricted-xml',
    ],
    ['an undeclared entity', `${HEADER}<message><body>&lol2;</body></message>`, 'restricted-xml'],
    ['a processing instruction', `${HEADER}<?php echo 1 ?>`, 'restricted-xml'],
    ['a comment', `${HEADER}<!-- hello -->`, 'restricted-xml'],
    ['a second XML declaration', `${HEADER}<?xml version='1.0'?>`, 'not-well-formed'],
    ['an unbound prefix', `${HEADER}<x:message/>`, 'not-well-formed'],
    ['a header in another namespace', "<stream xmlns='jabber:client'>", 'invalid-namespace'],
    [
      'a stream of another content namespace',
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
      'invalid-namespace',
    ],
    ['an oversized stanza', `${HEADER}<message><body>${'a'.repeat(1100)}</body></message>`, 'policy-violation'],
    ['an oversized stanza still open', `${HEADER}<message><body>${'a'.repeat(1100)}`, 'policy-violation'],
    ['deep nesting', `${HEADER}<a><b><c><d><e><f/></e></d></c></b></a>`, 'policy-violation'],
    ['too many attributes', `${HEADER}<a b='1' c='1' d='1' e='1' f='1'/>`, 'policy-violation'],
    ['too many children', `${HEADER}<a>${'<b/>'.repeat(7)}</a>`, 'policy-violation'],
    ['text between stanzas', `${HEADER}hello<a/>`, 'not-well-formed'],
    ['a NUL character', `${HEADER}<a>\u0000</a>`, 'not-well-formed'],
  ];
  for (const [name, input, condition] of bad) {
    test(`refuses ${name}: ${condition}`, () => {
      assert.equal(run([input]).at(-1), `error ${condition}`);
    });
  }

  test('refuses bytes that are not UTF-8', () => {
    const parser = new StreamParser(limits);
    parser.push(HEADER);
    assert.throws(() => parser.push(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e])), { condition: 'not-well-formed' });
  });

  test('starts over on reset (a new stream after STARTTLS or SASL)', () => {
    const parser = new StreamParser(limits);
    assert.equal(parser.push(`${HEADER}<auth/>`).length, 2);
    parser.reset();
    assert.deepEqual(
      parser.push(HEADER).map((e) => e.kind),
      ['open'],
    );
  });
});

describe('WebSocket framing (RFC 7395)', () => {
  const cases: [input: string, want: string][] = [
    ["<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='a.test' version='1.0'/>", 'open a.test'],
    ["<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", 'close'],
    [
      "<message xmlns='jabber:client' to='b@a.test'><body>hi</body></message>",
      '<message to="b@a.test"><body>hi</body></message>',
    ],
    ["<r xmlns='urn:xmpp:sm:3'/>", '<r xmlns="urn:xmpp:sm:3"/>'],
    ["<foo xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", 'error invalid-namespace'],
    ["<?xml version='1.0'?><message xmlns='jabber:client'/>", 'error restricted-xml'],
    ["<message xmlns='jabber:client'/><message xmlns='jabber:client'/>", 'error not-well-formed'],
    ["<!DOCTYPE x><message xmlns='jabber:client'/>", 'error restricted-xml'],
    [`<message xmlns='jabber:client'><body>${'a'.repeat(1000)}</body></message>`, 'error policy-violation'],
    ['', 'error not-well-formed'],
  ];
  for (const [input, want] of cases) {
    test(`${input.slice(0, 60)} → ${want}`, () => {
      let got: string;
      try {
        const e = parseFrame(input, limits);
        got = e.kind === 'element' ? e.element.toString() : e.kind === 'open' ? `open ${e.attrs.to}` : 'close';
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        got = `error ${err.condition}`;
      }
      assert.equal(got, want);
    });
  }
});
