import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeAttr, escapeText, x } from './element.js';

describe('XmlElement', () => {
  it('serialises with escaping and skips undefined attributes and falsy children', () => {
    const el = x('message', { to: 'a@b', id: undefined, type: 'chat' }, x('body', {}, '<hi> & "bye"'), false, null);
    assert.equal(el.toString(), '<message to="a@b" type="chat"><body>&lt;hi&gt; &amp; "bye"</body></message>');
  });

  it('escapes quotes and whitespace in attributes', () => {
    assert.equal(x('a', { v: `"'\n<` }).toString(), '<a v="&quot;&apos;&#10;&lt;"/>');
  });

  it('escapes each special character alone, and leaves plain text as it is', () => {
    const rows: [string, string, string][] = [
      ['plain', 'plain', 'plain'],
      ['', '', ''],
      ['a&b', 'a&amp;b', 'a&amp;b'],
      ['<', '&lt;', '&lt;'],
      ['>', '&gt;', '&gt;'],
      ['"', '"', '&quot;'],
      ["'", "'", '&apos;'],
      ['\t', '\t', '&#9;'],
      ['\n', '\n', '&#10;'],
      ['\r', '\r', '&#13;'],
      ['ü – ok', 'ü – ok', 'ü – ok'],
    ];
    for (const [raw, text, attr] of rows) {
      assert.equal(escapeText(raw), text, JSON.stringify(raw));
      assert.equal(escapeAttr(raw), attr, JSON.stringify(raw));
    }
  });

  it('finds children by name and namespace', () => {
    const iq = x('iq', { type: 'get' }, x('query', { xmlns: 'jabber:iq:roster' }), x('query', { xmlns: 'other' }));
    assert.equal(iq.child('query', 'other')?.xmlns, 'other');
    assert.equal(iq.childNs('jabber:iq:roster')?.name, 'query');
    assert.equal(iq.child('missing'), undefined);
    assert.equal(x('body', {}, 'a', 'b').text(), 'ab');
  });

  it('re-addresses a copy without touching the original', () => {
    const m = x('message', { to: 'a@b', from: 'c@d' }, 'x');
    const copy = m.withAttrs({ to: 'a@b/r', from: undefined });
    assert.deepEqual(copy.attrs, { to: 'a@b/r' });
    assert.equal(m.attrs.from, 'c@d');
  });
});
