import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type XmlElement, x } from '../xml/element.js';
import { SharedRenderings } from './presence-shared.js';

test('shared renderings: once per view and language within the age, again after it or for another view', async () => {
  const a = {};
  const b = {};
  // [view, language, now, rendered anew]
  const rows: [object, 'en' | 'de', number, boolean][] = [
    [a, 'en', 1000, true],
    [a, 'en', 1999, false],
    [a, 'de', 1500, true],
    [b, 'en', 1500, true],
    [a, 'en', 2000, true],
    [a, 'en', 2500, false],
    [a, 'en', 1900, true], // the clock went back: not reused
  ];
  const shared = new SharedRenderings(1000);
  let made = 0;
  let last: Promise<XmlElement> | undefined;
  for (const [i, [view, lang, now, anew]] of rows.entries()) {
    const before = made;
    const got = shared.get(view, lang, now, async () => x('presence', { id: String(++made) }));
    assert.equal(made > before, anew, `row ${i}`);
    if (!anew) assert.equal(got, last, `row ${i}: the same rendering`);
    last = got;
  }
});

test('shared renderings: a failed rendering is not kept', async () => {
  const view = {};
  const shared = new SharedRenderings(1000);
  await assert.rejects(
    shared.get(view, 'en', 0, async () => {
      throw new Error('no avatar');
    }),
  );
  const ok = await shared.get(view, 'en', 1, async () => x('presence'));
  assert.equal(ok.toString(), '<presence/>');
});
