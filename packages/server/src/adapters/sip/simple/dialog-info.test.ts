import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xsdErrors } from '../../../../test/support/xsd.js';
import { dialogChanges, type LineDialog, renderDialogInfo } from './dialog-info.js';
import { parseXmlBody } from './xml.js';

const now = Date.UTC(2026, 2, 2, 9, 0);
const o = { entity: 'sip:201@example.test', version: 0, state: 'full' as const, now };
const limits = { maxBytes: 65536, maxDepth: 10, maxElements: 200 };

const ringing: LineDialog = {
  id: 'call-1',
  callId: 'a84b4c76e66710',
  localTag: '1928301774',
  remoteTag: null,
  direction: 'recipient',
  state: 'early',
  since: now - 4_500,
  local: { uri: 'sip:alice@example.test', display: 'Alice', target: 'sip:alice@192.0.2.4:5060' },
  remote: { uri: 'sip:bob@example.test', display: 'Bob "B" <Boss>' },
};

const cases: { name: string; dialogs: LineDialog[]; expect: string[] }[] = [
  { name: 'idle: full state, one terminated dialog for the line', dialogs: [], expect: ['terminated'] },
  { name: 'ringing', dialogs: [ringing], expect: ['early'] },
  { name: 'trying, outgoing', dialogs: [{ id: 'c2', direction: 'initiator', state: 'trying' }], expect: ['trying'] },
  { name: 'proceeding', dialogs: [{ id: 'c2', direction: 'initiator', state: 'proceeding' }], expect: ['proceeding'] },
  { name: 'confirmed', dialogs: [{ ...ringing, state: 'confirmed', remoteTag: '8736347' }], expect: ['confirmed'] },
  {
    name: 'rejected with its code',
    dialogs: [{ ...ringing, state: 'terminated', event: 'rejected', code: 486 }],
    expect: ['terminated'],
  },
  {
    name: 'two calls on one line',
    dialogs: [
      { ...ringing, state: 'confirmed' },
      { id: 'c3', direction: null, state: 'early' },
    ],
    expect: ['confirmed', 'early'],
  },
];

for (const c of cases) {
  test(`dialog-info: ${c.name}`, async () => {
    const xml = renderDialogInfo(c.dialogs, o);
    assert.deepEqual(await xsdErrors(xml, 'dialog-info.xsd'), []);
    const doc = parseXmlBody(xml, limits);
    assert.deepEqual(doc.attrs, { version: '0', state: 'full', entity: 'sip:201@example.test' });
    assert.deepEqual(
      doc.children.map((d) => d.children.find((e) => e.name === 'state')?.text),
      c.expect,
    );
  });
}

test('dialog-info: identifiers, direction, duration, parties with escaped display names', async () => {
  const xml = renderDialogInfo([ringing], { ...o, version: 7, state: 'partial' });
  assert.deepEqual(await xsdErrors(xml, 'dialog-info.xsd'), []);
  assert.match(xml, /version="7" state="partial" entity="sip:201@example.test"/);
  assert.match(
    xml,
    /<dialog id="call-1" call-id="a84b4c76e66710" local-tag="1928301774" direction="recipient"><state>early<\/state><duration>4<\/duration>/,
  );
  assert.match(
    xml,
    /<local><identity display="Alice">sip:alice@example.test<\/identity><target uri="sip:alice@192.0.2.4:5060"\/><\/local>/,
  );
  assert.match(
    xml,
    /<remote><identity display="Bob &quot;B&quot; &lt;Boss&gt;">sip:bob@example.test<\/identity><\/remote>/,
  );
  assert.doesNotMatch(xml, /remote-tag/);
});

test('dialog-info: a terminated state carries event and code, others do not', () => {
  const ended = renderDialogInfo([{ ...ringing, state: 'terminated', event: 'cancelled', code: 487 }], o);
  assert.match(ended, /<state event="cancelled" code="487">terminated<\/state>/);
  const live = renderDialogInfo([{ ...ringing, event: 'cancelled', code: 487 }], o);
  assert.match(live, /<state>early<\/state>/);
});

test('dialog-info: idle is a terminated dialog named after the line; a partial state lists only changes', () => {
  assert.match(renderDialogInfo([], o), /<dialog id="201"><state>terminated<\/state><\/dialog>/);
  assert.doesNotMatch(renderDialogInfo([], { ...o, state: 'partial' }), /<dialog /);
});

test('dialog-info: the version must be a counter', () => {
  assert.throws(() => renderDialogInfo([], { ...o, version: -1 }), RangeError);
  assert.throws(() => renderDialogInfo([], { ...o, version: 1.5 }), RangeError);
});

test('dialog-info: partial changes: new, changed, and gone as terminated', () => {
  const a: LineDialog = { id: 'a', direction: 'recipient', state: 'early' };
  const b: LineDialog = { id: 'b', direction: 'initiator', state: 'confirmed' };
  const c: LineDialog = { id: 'c', direction: 'initiator', state: 'trying' };
  assert.deepEqual(dialogChanges([], [a]), [a]);
  assert.deepEqual(dialogChanges([a, b], [a, b]), []);
  assert.deepEqual(dialogChanges([a, b], [{ ...a, state: 'confirmed' }, b]), [{ ...a, state: 'confirmed' }]);
  assert.deepEqual(dialogChanges([a, b], [b, c]), [c, { ...a, state: 'terminated' }]);
  assert.deepEqual(dialogChanges([{ ...a, state: 'terminated' }], []), [], 'a terminated one is not repeated');
});

test('dialog-info: the schema check can fail', async () => {
  const xml = renderDialogInfo([ringing], o).replace('direction="recipient"', 'direction="sideways"');
  assert.notDeepEqual(await xsdErrors(xml, 'dialog-info.xsd'), []);
});
