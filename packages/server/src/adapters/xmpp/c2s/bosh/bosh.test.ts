import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { x } from '../../xml/element.js';
import { ParseError, type StreamEvent } from '../../xml/parser.js';
import type { TransportEvents } from '../transport.js';
import { BOSH_NS, parseBody, renderBody, terminateBody } from './body.js';
import { parseRid, pollsTooOften, RidWindow } from './rids.js';
import { BoshSession } from './session.js';

const limits = { maxStanzaSize: 4096, maxDepth: 8, maxAttributes: 16, maxChildren: 16 };
const body = (attrs: string, inner = '') =>
  `<body xmlns='${BOSH_NS}' xmlns:xmpp='urn:xmpp:xbosh' ${attrs}>${inner}</body>`;

describe('BOSH bodies', () => {
  test('attributes by namespace, payloads in jabber:client or httpbind without xmlns, others keep theirs', () => {
    const parsed = parseBody(
      `<body xmlns='${BOSH_NS}' xmlns:x='urn:xmpp:xbosh' rid='7' x:restart='true' xml:lang='de'>` +
        "<message to='a@b'><body>hi</body></message><iq xmlns='jabber:client' type='get' id='1'/>" +
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth></body>",
      limits,
    );
    assert.deepEqual(parsed.attrs, { rid: '7', 'xmpp:restart': 'true', 'xml:lang': 'de' });
    assert.deepEqual(
      parsed.payloads.map((p) => [p.name, p.xmlns]),
      [
        ['message', undefined],
        ['iq', undefined],
        ['auth', 'urn:ietf:params:xml:ns:xmpp-sasl'],
      ],
    );
    assert.equal(parsed.payloads[0]?.childText('body'), 'hi');
  });

  const refused: [string, string, ParseError['condition']][] = [
    ['a DTD', `<!DOCTYPE body [<!ENTITY a 'b'>]>${body("rid='1'")}`, 'restricted-xml'],
    ['an undefined entity', body("rid='1'", '<message><body>&xxe;</body></message>'), 'restricted-xml'],
    ['a comment', body("rid='1'", '<!-- hi -->'), 'restricted-xml'],
    ['another root element', "<stream xmlns='jabber:client'/>", 'invalid-namespace'],
    ['text in the wrapper', body("rid='1'", 'loose text'), 'not-well-formed'],
    ['a partial element', `<body xmlns='${BOSH_NS}' rid='1'><message>`, 'not-well-formed'],
    [
      'nesting beyond the limit',
      body("rid='1'", '<a><b><c><d><e><f><g><h><i/></h></g></f></e></d></c></b></a>'),
      'policy-violation',
    ],
  ];
  for (const [what, text, condition] of refused) {
    test(`refused: ${what} (${condition})`, () => {
      assert.throws(
        () => parseBody(text, limits),
        (err: unknown) => err instanceof ParseError && err.condition === condition,
      );
    });
  }

  test('answers declare the namespaces they use; stanzas carry jabber:client', () => {
    assert.equal(
      renderBody({ sid: 's', 'xmpp:version': '1.0' }, [x('message', { to: 'a@b' }), x('stream:features')]),
      `<body xmlns="${BOSH_NS}" xmlns:xmpp="urn:xmpp:xbosh" xmlns:stream="http://etherx.jabber.org/streams" sid="s" xmpp:version="1.0">` +
        '<message to="a@b" xmlns="jabber:client"/><stream:features/></body>',
    );
    assert.equal(
      terminateBody('item-not-found'),
      `<body xmlns="${BOSH_NS}" type="terminate" condition="item-not-found"/>`,
    );
  });
});

describe('BOSH rids', () => {
  test('parseRid: positive integers up to 2^53 − 1', () => {
    const cases: [string | undefined, number | undefined][] = [
      ['1', 1],
      ['9007199254740991', 9007199254740991],
      ['9007199254740992', undefined],
      ['0', undefined],
      ['-1', undefined],
      ['1.5', undefined],
      ['', undefined],
      [undefined, undefined],
    ];
    for (const [value, rid] of cases) assert.equal(parseRid(value), rid, String(value));
  });

  test('the window: next, ahead within `requests`, repeats, outside; the last answers are kept', () => {
    const w = new RidWindow(100, 2);
    const places = [99, 100, 101, 102, 103].map((rid) => [rid, w.place(rid)]);
    assert.deepEqual(places, [
      [99, 'repeat'],
      [100, 'repeat'],
      [101, 'next'],
      [102, 'ahead'],
      [103, 'outside'],
    ]);
    for (const rid of [100, 101, 102]) w.keep(rid, `answer ${rid}`);
    w.handled(102);
    assert.equal(w.place(104), 'ahead');
    assert.equal(w.answer(100), undefined, 'only the last two are kept');
    assert.equal(w.answer(102), 'answer 102');
  });

  test('overactivity (XEP-0124 §12)', () => {
    const base = {
      empty: true,
      previousEmpty: true,
      sinceMs: 500,
      held: 1,
      previousAnsweredEmpty: false,
      hold: 1,
      pollingSeconds: 2,
    };
    const cases: [Partial<typeof base>, boolean][] = [
      [{}, true], // a second empty request while the first is held
      [{ sinceMs: 2000 }, false],
      [{ empty: false }, false],
      [{ previousEmpty: false }, false],
      [{ held: 0 }, false], // the first was answered: a new poll is due
      [{ hold: 0, held: 0, previousAnsweredEmpty: true }, true], // polling session, polled too soon
      [{ hold: 0, held: 0, previousAnsweredEmpty: false }, false],
    ];
    for (const [change, expected] of cases)
      assert.equal(pollsTooOften({ ...base, ...change }), expected, JSON.stringify(change));
  });
});

describe('a BOSH session (fake timers)', () => {
  let now = 0;
  let events: StreamEvent[];
  let closed: number;
  let answers: [string, string][];
  let session: BoshSession;
  let gone: number;
  const settings = { maxWaitSeconds: 30, inactivitySeconds: 60, maxPauseSeconds: 120, pollingSeconds: 2 };
  const reply = (label: string) => (text: string) => void answers.push([label, text]);
  const req = (attrs: string, inner = '') => parseBody(body(attrs, inner), limits);
  const tick = (ms: number) => {
    now += ms;
    mock.timers.tick(ms);
  };
  /** Runs what is due now: the batched answer (setImmediate) and the stream's close (a microtask). */
  const flush = async () => {
    mock.timers.tick(0);
    await null;
  };

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setImmediate'] });
    now = 0;
    events = [];
    closed = 0;
    gone = 0;
    answers = [];
    session = new BoshSession({
      sid: 'S',
      address: '127.0.0.1',
      secure: false,
      settings,
      rate: { bytesPerSecond: 1024, burstSeconds: 1 },
      now: () => now,
      gone: () => {
        gone += 1;
      },
    });
    const listener: TransportEvents = {
      event: (e) => void events.push(e),
      failed: () => assert.fail('no stream error expected'),
      closed: () => {
        closed += 1;
      },
      active: () => undefined,
    };
    session.listen(listener);
    session.create(
      req("rid='10' to='a.test' wait='45' hold='2' ver='1.6' xmpp:version='1.0' ack='1'"),
      reply('create'),
    );
  });
  afterEach(() => mock.timers.reset());

  test('creation opens the stream; the answer waits for the header and the features, together', async () => {
    assert.deepEqual(events, [{ kind: 'open', attrs: { to: 'a.test', version: '1.0' } }]);
    assert.deepEqual(answers, []);
    session.header({ from: 'a.test', id: 'x', version: '1.0' });
    session.send(x('stream:features'));
    await flush();
    const [[label, text] = ['', '']] = answers;
    assert.equal(label, 'create');
    for (const a of [
      'sid="S"',
      'wait="30"',
      'hold="1"',
      'requests="2"',
      'ack="10"',
      'ver="1.6"',
      'from="a.test"',
      'xmpp:restartlogic="true"',
    ]) {
      assert.ok(text.includes(a), `${a} in ${text}`);
    }
    assert.match(text, /<stream:features\/><\/body>$/);
  });

  test('requests in rid order: one ahead waits for the gap; stanzas sent meanwhile leave batched in the oldest held', async () => {
    session.header({ from: 'a.test', version: '1.0' });
    await flush();
    answers = [];
    session.request(req("rid='12' sid='S'", "<message to='b@a.test'><body>2</body></message>"), reply('12'));
    assert.equal(events.length, 1, 'rid 12 waits for rid 11');
    session.request(req("rid='11' sid='S'", "<message to='b@a.test'><body>1</body></message>"), reply('11'));
    assert.deepEqual(
      events.slice(1).map((e) => (e.kind === 'element' ? e.element.childText('body') : e.kind)),
      ['1', '2'],
    );
    assert.deepEqual(
      answers.map(([l]) => l),
      ['11'],
      'beyond hold (1) the older is answered at once',
    );
    assert.match(answers[0]?.[1] ?? '', /ack="12"/, 'acknowledges the higher rid it has');
    session.send(x('message', { from: 'b@a.test' }, x('body', {}, 'one')));
    session.send(x('message', { from: 'b@a.test' }, x('body', {}, 'two')));
    await flush();
    assert.equal(answers[1]?.[0], '12');
    assert.match(answers[1]?.[1] ?? '', /<body>one<\/body><\/message><message [^>]*><body>two</);
    // A repeat of 12 gets that same answer again.
    session.request(req("rid='12' sid='S'"), reply('12 again'));
    assert.deepEqual(answers[2], ['12 again', answers[1]?.[1]]);
  });

  test('a held request is answered empty after `wait`; without requests the session is lost after `inactivity`', async () => {
    session.header({ from: 'a.test', version: '1.0' });
    await flush();
    session.request(req("rid='11' sid='S'"), reply('11'));
    tick(29_999);
    assert.equal(answers.length, 1);
    tick(1);
    assert.deepEqual(answers[1], ['11', `<body xmlns="${BOSH_NS}"/>`]);
    tick(59_999);
    assert.equal(closed, 0);
    tick(1);
    await flush();
    assert.equal(closed, 1, 'the stream sees a lost connection');
    assert.equal(gone, 1);
    session.request(req("rid='12' sid='S'"), reply('late'));
    assert.match(answers.at(-1)?.[1] ?? '', /condition="item-not-found"/);
  });

  test('pause: held requests are answered at once and the inactivity period is the pause for one gap', async () => {
    session.request(req("rid='11' sid='S' pause='100'"), reply('pause'));
    assert.deepEqual(
      answers.map(([l]) => l),
      ['create', 'pause'],
    );
    tick(99_999);
    await flush();
    assert.equal(closed, 0);
    tick(1);
    await flush();
    assert.equal(closed, 1);
  });

  test('client terminate: its payloads then the stream close; end() answers terminate, later requests too', async () => {
    session.request(req("rid='11' sid='S' type='terminate'", "<presence type='unavailable'/>"), reply('bye'));
    assert.deepEqual(
      events.slice(1).map((e) => e.kind),
      ['element', 'close'],
    );
    session.end();
    await flush();
    assert.deepEqual(answers.at(-1), ['bye', `<body xmlns="${BOSH_NS}" type="terminate"/>`]);
    assert.equal(closed, 1);
    session.request(req("rid='12' sid='S'"), reply('after'));
    assert.equal(answers.at(-1)?.[1], `<body xmlns="${BOSH_NS}" type="terminate"/>`);
  });

  test('a stream error ends the session with remote-stream-error around it', async () => {
    session.send(x('stream:error', {}, x('policy-violation', { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' })));
    session.end();
    assert.match(
      answers[0]?.[1] ?? '',
      /type="terminate" condition="remote-stream-error"><stream:error><policy-violation /,
    );
  });

  const violations: [string, (s: BoshSession) => void, string][] = [
    ['a rid beyond the window', (s) => s.request(req("rid='13' sid='S'"), reply('far')), 'item-not-found'],
    ['a repeat of an answer no longer kept', (s) => s.request(req("rid='5' sid='S'"), reply('old')), 'item-not-found'],
    ['no rid', (s) => s.request(req("sid='S'"), reply('none')), 'bad-request'],
    [
      'more requests at once than `requests`',
      (s) => {
        s.request(req("rid='11' sid='S'", '<presence/>'), reply('11'));
        s.request(req("rid='13' sid='S'", '<presence/>'), reply('13'));
        s.request(req("rid='12' sid='S'", '<presence/>'), reply('12'));
      },
      'policy-violation',
    ],
    [
      'two empty polls within `polling` while one is held',
      (s) => {
        s.request(req("rid='11' sid='S'"), reply('11'));
        s.request(req("rid='12' sid='S'"), reply('12'));
      },
      'policy-violation',
    ],
  ];
  for (const [what, act, condition] of violations) {
    test(`terminated: ${what} (${condition})`, async () => {
      session.header({ from: 'a.test', version: '1.0' });
      await flush();
      act(session);
      await flush();
      assert.match(answers.at(-1)?.[1] ?? '', new RegExp(`type="terminate" condition="${condition}"`));
      assert.equal(closed, 1);
      assert.ok(session.ended);
    });
  }
});
