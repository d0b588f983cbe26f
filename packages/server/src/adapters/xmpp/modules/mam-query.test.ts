import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageDetails } from '../../../core/messaging/model.js';
import { StanzaError } from '../errors.js';
import { type XmlElement, x } from '../xml/element.js';
import { answerQuery, DATA_NS, MAM_NS, MAX_PAGE, mamFin, mamForm, parseMamQuery, RSM_NS } from './mam-query.js';

const field = (name: string, value: string) => x('field', { var: name }, x('value', {}, value));
const q = (fields: [string, string][], rsm: XmlElement[] = []) =>
  x(
    'query',
    { xmlns: MAM_NS, queryid: 'q' },
    x('x', { xmlns: DATA_NS, type: 'submit' }, field('FORM_TYPE', MAM_NS), ...fields.map(([k, v]) => field(k, v))),
    rsm.length > 0 && x('set', { xmlns: RSM_NS }, ...rsm),
  );

test('MAM queries: filters and paging', () => {
  const cases: [string, XmlElement, Partial<ReturnType<typeof parseMamQuery>>][] = [
    ['no form, no set', x('query', { xmlns: MAM_NS }), { max: 50, after: undefined, before: undefined }],
    ['with', q([['with', 'Bob@Example.test']]), { with: { local: 'bob', domain: 'example.test', resource: null } }],
    [
      'start and end',
      q([
        ['start', '2026-01-02T03:04:05Z'],
        ['end', '2026-01-02T04:04:05.5+01:00'],
      ]),
      { start: Date.UTC(2026, 0, 2, 3, 4, 5), end: Date.UTC(2026, 0, 2, 3, 4, 5, 500) },
    ],
    ['rsm after and max', q([], [x('max', {}, '10'), x('after', {}, 'a')]), { max: 10, after: 'a', before: undefined }],
    ['empty before: the newest page', q([], [x('before')]), { before: null }],
    ['before an id', q([], [x('before', {}, 'b')]), { before: 'b' }],
    ['extended after-id', q([['after-id', 'a2']]), { after: 'a2' }],
    ['extended before-id', q([['before-id', 'b2']]), { before: 'b2' }],
    ['max is capped', q([], [x('max', {}, '100000')]), { max: MAX_PAGE }],
    ['max 0', q([], [x('max', {}, '0')]), { max: 0 }],
  ];
  for (const [name, query, want] of cases) {
    const got = parseMamQuery(query);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, `${name}: ${k}`);
  }
});

test('MAM queries: refusals', () => {
  const cases: [string, XmlElement, string][] = [
    ['unknown field', q([['colour', 'blue']]), 'bad-request'],
    ['bad date', q([['start', '2026-01-02']]), 'bad-request'],
    ['bad with', q([['with', 'a@b@']]), 'jid-malformed'],
    ['negative max', q([], [x('max', {}, '-1')]), 'bad-request'],
    ['not a number', q([], [x('max', {}, 'ten')]), 'bad-request'],
    ['after and before', q([], [x('after', {}, 'a'), x('before', {}, 'b')]), 'bad-request'],
    [
      'other FORM_TYPE',
      x('query', { xmlns: MAM_NS }, x('x', { xmlns: DATA_NS }, field('FORM_TYPE', 'urn:xmpp:mam:1'))),
      'bad-request',
    ],
    [
      'too many fields',
      q(Array.from({ length: 20 }, (_, i) => ['with', `u${i}@example.test`] as [string, string])),
      'bad-request',
    ],
  ];
  for (const [name, query, condition] of cases) {
    assert.throws(
      () => parseMamQuery(query),
      (err) => err instanceof StanzaError && err.condition === condition,
      name,
    );
  }
});

test('fin: complete only at the end; first and last ids when the page has any', () => {
  assert.equal(
    String(mamFin(['a', 'b', 'c'], false)),
    `<fin xmlns="${MAM_NS}"><set xmlns="${RSM_NS}"><first>a</first><last>c</last></set></fin>`,
  );
  assert.equal(String(mamFin([], true)), `<fin xmlns="${MAM_NS}" complete="true"><set xmlns="${RSM_NS}"/></fin>`);
});

test('the form: a room offers no with', () => {
  const vars = (form: XmlElement) =>
    form
      .child('x', DATA_NS)
      ?.elements('field')
      .map((f) => f.attrs.var);
  assert.deepEqual(vars(mamForm()), ['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id']);
  assert.deepEqual(vars(mamForm({ with: false })), ['FORM_TYPE', 'start', 'end', 'before-id', 'after-id']);
});

test('an answer: each message a result forwarded with its delay, from the archive to the client, then fin', async () => {
  const sent: XmlElement[] = [];
  const page = {
    messages: [{ id: 'a', text: 'hi', createdAt: Date.UTC(2026, 0, 2, 3, 4, 5) } as MessageDetails],
    complete: true,
  };
  const fin = await answerQuery(parseMamQuery(q([])), page, {
    archive: 'room@conference.example.test',
    to: 'ann@example.test/pc',
    render: (m) => x('message', { type: 'groupchat' }, x('body', {}, m.text)),
    send: (s) => sent.push(s),
  });
  assert.deepEqual(sent.map(String), [
    '<message from="room@conference.example.test" to="ann@example.test/pc"><result xmlns="urn:xmpp:mam:2" queryid="q" id="a">' +
      '<forwarded xmlns="urn:xmpp:forward:0"><delay xmlns="urn:xmpp:delay" stamp="2026-01-02T03:04:05Z"/>' +
      '<message type="groupchat" xmlns="jabber:client"><body>hi</body></message></forwarded></result></message>',
  ]);
  assert.equal(String(fin), String(mamFin(['a'], true)));
});
