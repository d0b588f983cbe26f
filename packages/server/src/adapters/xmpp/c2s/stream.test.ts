import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import type { Services } from '../../../compose.js';
import { ParleyError } from '../../../core/errors.js';
import type { User } from '../../../core/users/model.js';
import { XmppConfigSchema } from '../../../platform/config/xmpp-schema.js';
import { pingModule } from '../modules/ping.js';
import { Router } from '../router.js';
import { Sessions } from '../sessions.js';
import type { XmlElement } from '../xml/element.js';
import { StreamParser } from '../xml/parser.js';
import { type C2sHub, parserLimits } from './hub.js';
import { C2sStream } from './stream.js';
import { deliver, type Transport, type TransportEvents } from './transport.js';

const config = XmppConfigSchema.parse({});
const carol = { id: 'u1', tenantId: 't1', local: 'carol', domain: 'a.test' } as User;

/** A transport that parses what a test writes and records what the stream engine sends. */
class FakeTransport implements Transport {
  readonly kind = 'tcp';
  readonly address = '192.0.2.1';
  readonly out: string[] = [];
  private readonly parser = new StreamParser(parserLimits(config));
  private events: TransportEvents | undefined;
  constructor(
    public secure: boolean,
    private readonly tls: boolean,
  ) {}
  get canStartTls() {
    return this.tls && !this.secure;
  }
  channelBindings = () => ({});
  listen(events: TransportEvents) {
    this.events = events;
  }
  input(xml: string) {
    deliver(this.events, () => this.parser.push(xml));
  }
  header(attrs: Record<string, string>) {
    this.out.push(`header from=${attrs.from ?? '-'}`);
  }
  send(el: XmlElement) {
    this.out.push(el.toString());
  }
  restart() {
    this.parser.reset();
  }
  startTls() {
    this.secure = true;
    this.out.push('TLS');
  }
  end() {
    this.out.push('end');
  }
}

const core = {
  tenants: {
    byDomain: async (domain: string) => {
      if (domain !== 'a.test') throw new ParleyError('PARLEY_ERR_NOT_FOUND');
      return { id: 't1', domains: ['a.test'] };
    },
  },
  auth: {
    plain: async ({ message }: { message: Buffer }) => {
      if (message.toString() !== '\0carol\0secret') throw new ParleyError('PARLEY_ERR_INVALID_CREDENTIALS');
      return carol;
    },
  },
} as unknown as Services;

function streamOn(transport: FakeTransport) {
  const sessions = new Sessions();
  const log = pino({ level: 'silent' });
  const hub: C2sHub = {
    core,
    log,
    config,
    sessions,
    router: new Router([pingModule], sessions, log, {
      hosts: async (domain) => domain === 'a.test',
      remote: () => undefined,
      nodes: async () => false,
    }),
    modules: [pingModule],
    ended: () => undefined,
  };
  return { stream: new C2sStream(hub, transport), sessions };
}

/** Waits until the engine has sent `count` lines (it answers asynchronously). */
async function sent(t: FakeTransport, count: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (t.out.length < count && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  return t.out.splice(0);
}

const HEADER = (to = 'a.test', version = " version='1.0'") =>
  `<stream:stream to='${to}'${version} xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
const PLAIN = (password: string) =>
  `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0carol\0${password}`).toString('base64')}</auth>`;
const STREAM_ERROR = (condition: string) =>
  new RegExp(`^<stream:error><${condition} xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>`);

/** A stream signed in and bound as carol@a.test/r over a secure fake transport. */
async function bound(): Promise<{ t: FakeTransport; sessions: Sessions }> {
  const t = new FakeTransport(true, false);
  const { sessions } = streamOn(t);
  t.input(`${HEADER()}${PLAIN('secret')}`);
  await sent(t, 3);
  t.input(HEADER());
  await sent(t, 2);
  t.input("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r</resource></bind></iq>");
  await sent(t, 1);
  return { t, sessions };
}

describe('c2s negotiation', () => {
  const refused: [name: string, transport: () => FakeTransport, input: string, condition: string][] = [
    ['an unknown domain', () => new FakeTransport(true, false), HEADER('b.test'), 'host-unknown'],
    ['a header without a version', () => new FakeTransport(true, false), HEADER('a.test', ''), 'unsupported-version'],
    [
      'SASL before the required STARTTLS',
      () => new FakeTransport(false, true),
      HEADER() + PLAIN('secret'),
      'policy-violation',
    ],
    ['a stanza before authentication', () => new FakeTransport(true, false), `${HEADER()}<message/>`, 'not-authorized'],
    ['a DTD', () => new FakeTransport(true, false), '<!DOCTYPE x>', 'restricted-xml'],
  ];
  for (const [name, transport, input, condition] of refused) {
    test(`${name}: ${condition}`, async () => {
      const t = transport();
      streamOn(t);
      t.input(input);
      const out = await sent(t, 3);
      assert.equal(out.at(-1), 'end', out.join('\n'));
      assert.match(out.at(-2) ?? '', STREAM_ERROR(condition));
      assert.match(out[0] ?? '', /^header/);
    });
  }

  test('STARTTLS is offered as required, and a new stream follows it', async () => {
    const t = new FakeTransport(false, true);
    streamOn(t);
    t.input(HEADER());
    assert.deepEqual(await sent(t, 2), [
      'header from=a.test',
      '<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></stream:features>',
    ]);
    t.input("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    assert.deepEqual(await sent(t, 2), ['<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>', 'TLS']);
    t.input(HEADER());
    const [, features] = await sent(t, 2);
    assert.match(features ?? '', /<mechanism>SCRAM-SHA-256<\/mechanism>.*<mechanism>PLAIN<\/mechanism>/);
  });

  test('no PLAIN without TLS; SCRAM is offered', async () => {
    const t = new FakeTransport(false, false);
    streamOn(t);
    t.input(HEADER());
    const [, features] = await sent(t, 2);
    assert.doesNotMatch(features ?? '', /PLAIN/);
    assert.match(features ?? '', /SCRAM-SHA-1/);
    t.input(PLAIN('secret'));
    assert.match(
      (await sent(t, 1))[0] ?? '',
      /<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><invalid-mechanism\/>/,
    );
  });

  test('a wrong password is not-authorized, three failures end the stream, a right one signs in', async () => {
    const t = new FakeTransport(true, false);
    streamOn(t);
    t.input(HEADER() + PLAIN('wrong'));
    const out = await sent(t, 3);
    assert.match(out[2] ?? '', /<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/><\/failure>/);
    t.input(PLAIN('secret'));
    assert.deepEqual(await sent(t, 1), ['<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>']);

    const failing = new FakeTransport(true, false);
    streamOn(failing);
    failing.input(HEADER() + PLAIN('a') + PLAIN('b') + PLAIN('c'));
    const ended = await sent(failing, 7);
    assert.match(ended.at(-2) ?? '', STREAM_ERROR('policy-violation'));
  });

  test('bind: a generated resource when none is asked for; the session is registered', async () => {
    const t = new FakeTransport(true, false);
    const { sessions } = streamOn(t);
    t.input(`${HEADER()}${PLAIN('secret')}`);
    await sent(t, 3);
    t.input(HEADER());
    const [, features] = await sent(t, 2);
    assert.match(
      features ?? '',
      /<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"\/><session xmlns="urn:ietf:params:xml:ns:xmpp-session"><optional\/><\/session><sm xmlns="urn:xmpp:sm:3"\/><csi xmlns="urn:xmpp:csi:0"\/>/,
    );
    t.input("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    const [result] = await sent(t, 1);
    const jid = /<jid>([^<]+)<\/jid>/.exec(result ?? '')?.[1] ?? '';
    assert.match(jid, /^carol@a\.test\/[A-Za-z0-9_-]{12}$/);
    assert.equal([...sessions.all()].length, 1);
  });
});

describe('a bound stream', () => {
  const cases: [name: string, input: string, want: RegExp][] = [
    [
      'a ping to the server',
      "<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>",
      /^<iq type="result" id="1" to="carol@a\.test\/r"\/>$/,
    ],
    [
      'the legacy session IQ',
      "<iq type='set' id='2'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>",
      /^<iq type="result" id="2" to="carol@a\.test\/r"\/>$/,
    ],
    ['an IQ without payload', "<iq type='get' id='3'/>", /<bad-request xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/],
    ['a malformed to', "<iq type='get' id='4' to='a@b@c/'><ping xmlns='urn:xmpp:ping'/></iq>", /<jid-malformed /],
    [
      'a message to nobody',
      "<message to='nobody@a.test' type='chat'><body>hi</body></message>",
      /<service-unavailable /,
    ],
    ['a spoofed from', "<message from='alice@a.test/x' to='bob@a.test'/>", STREAM_ERROR('invalid-from')],
    [
      'its own bare JID as from',
      "<iq type='get' id='5' from='carol@a.test'><ping xmlns='urn:xmpp:ping'/></iq>",
      /^<iq type="result" id="5"/,
    ],
    ['an unknown top-level element', '<foo/>', STREAM_ERROR('unsupported-stanza-type')],
    ['an SM ack request before SM is enabled', "<r xmlns='urn:xmpp:sm:3'/>", STREAM_ERROR('unsupported-stanza-type')],
  ];
  for (const [name, input, want] of cases) {
    test(name, async () => {
      const { t } = await bound();
      t.input(input);
      assert.match((await sent(t, 1))[0] ?? '', want);
    });
  }

  test('XEP-0198: enable, count, acknowledge; an ack beyond what was sent ends the stream', async () => {
    const { t } = await bound();
    t.input("<enable xmlns='urn:xmpp:sm:3'/>");
    assert.deepEqual(await sent(t, 1), ['<enabled xmlns="urn:xmpp:sm:3"/>']);
    t.input("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq><r xmlns='urn:xmpp:sm:3'/>");
    assert.deepEqual((await sent(t, 2))[1], '<a xmlns="urn:xmpp:sm:3" h="1"/>');
    t.input("<a xmlns='urn:xmpp:sm:3' h='1'/><a xmlns='urn:xmpp:sm:3' h='5'/>");
    assert.match((await sent(t, 1))[0] ?? '', STREAM_ERROR('undefined-condition'));
  });

  test('XEP-0352: the client says it is inactive, then active', async () => {
    const { t, sessions } = await bound();
    const [session] = [...sessions.all()];
    t.input("<inactive xmlns='urn:xmpp:csi:0'/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
    await sent(t, 1);
    assert.equal(session?.inactive, true);
    t.input("<active xmlns='urn:xmpp:csi:0'/><iq type='get' id='2'><ping xmlns='urn:xmpp:ping'/></iq>");
    await sent(t, 1);
    assert.equal(session?.inactive, false);
  });
});
