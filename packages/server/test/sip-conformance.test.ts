// Every message of RFC 4475 (SIP torture tests) and RFC 5118 (IPv6 torture tests) through the
// datagram parser and the stream framer; verdicts from each corpus's manifest.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  isSipUri,
  parseDatagram,
  type SipMessage,
  SipParseError,
  type SipRequest,
  SipStreamFramer,
  type SipUri,
} from '../src/adapters/sip/message/index.js';

const root = new URL('./fixtures/sip/', import.meta.url);
interface Entry {
  section: string;
  name: string;
  verdict: string;
  category?: string;
  file?: string;
  sha256?: string;
  wire_file?: string;
  wire_sha256?: string;
}

/** RFC 4475's per-message expectations (messages/*.expect.json). */
interface Expectation {
  verdict: string;
  content_length_values: number[];
  body_bytes: number;
}
const rfc4475 = JSON.parse(readFileSync(new URL('rfc4475/manifest.json', root), 'utf8')) as Entry[];
const rfc5118 = JSON.parse(readFileSync(new URL('rfc5118/manifest.json', root), 'utf8')) as Entry[];

function request(message: SipMessage): SipRequest {
  assert.equal(message.kind, 'request');
  return message as SipRequest;
}
function sipUri(uri: SipRequest['uri']): SipUri {
  assert.ok(isSipUri(uri));
  return uri;
}

/** Field checks for messages whose expectation names fields (manifest "expected"/"why"). */
const checks: Record<string, (m: SipMessage) => void> = {
  wsinv: (m) => {
    const r = request(m);
    assert.equal(r.cseq.seq, 9);
    assert.equal(r.maxForwards, 68);
    assert.equal(r.via.length, 3);
    assert.equal(r.via[1]?.transport, 'TCP');
    assert.equal(r.via[2]?.branch, 'z9hG4bK30239');
    assert.equal(r.to.params.get('tag'), '1918181833n');
    assert.equal(r.from.displayName, 'J Rosenberg \\"');
    assert.ok(Array.isArray(r.contact) && r.contact[0]?.params.get('q') === '0.33');
    assert.equal(r.body.length, 150);
  },
  intmeth: (m) => assert.equal(request(m).method, "!interesting-Method0123456789_*+`.%indeed'~"),
  escnull: (m) => {
    const r = request(m);
    assert.equal(sipUri(r.to.uri).user, 'null-\u0000-null');
    assert.ok(Array.isArray(r.contact));
    assert.deepEqual(
      r.contact.map((c) => sipUri(c.uri).user),
      ['\u0000', '\u0000\u0000'],
    );
  },
  esc02: (m) => {
    const r = request(m);
    assert.equal(r.method, 'RE%47IST%45R');
    assert.ok(Array.isArray(r.contact) && r.contact.length === 2);
  },
  dblreq: (m) => {
    assert.equal(request(m).method, 'REGISTER');
    assert.equal(m.body.length, 0);
  },
  semiuri: (m) => assert.equal(sipUri(request(m).uri).user, 'user;par=u@example.net'),
  mpart01: (m) => assert.equal(m.body.length, 553),
  unreason: (m) => {
    assert.equal(m.kind, 'response');
    assert.ok(m.kind === 'response' && m.reason.startsWith('= 2**3 * 5**2 ') && m.reason.endsWith('простое'));
  },
  noreason: (m) => assert.ok(m.kind === 'response' && m.status === 100 && m.reason === ''),
  'ipv6-good': (m) => assert.equal(sipUri(request(m).uri).host, '[2001:db8::10]'),
  'port-ambiguous': (m) => {
    const uri = sipUri(request(m).uri);
    assert.equal(uri.host, '[2001:db8::10:5070]');
    assert.equal(uri.port, undefined);
  },
  'port-unambiguous': (m) => {
    const uri = sipUri(request(m).uri);
    assert.equal(uri.host, '[2001:db8::10]');
    assert.equal(uri.port, 5070);
  },
  'via-received-param-with-delim': (m) => assert.equal(m.via[0]?.received, '[2001:db8::9:255]'),
  'via-received-param-no-delim': (m) => {
    assert.equal(m.via[0]?.received, '2001:db8::9:255');
    assert.ok(m.via[0]?.branch);
  },
  'ipv6-bug-abnf-3-colons': (m) => assert.equal(sipUri(request(m).uri).host, '[2001:db8::192.0.2.1]'),
};

/**
 * What each rejected message gives: `respond` (a 400, or the status given) when Via, From, To,
 * Call-ID and CSeq are there once each to answer with, else `drop`. RFC 4475 asks for a 400 for
 * some of the dropped ones; without a single From/To/Call-ID/CSeq (insuf, multi01) or with a
 * header section that does not split (badinv01) there is nothing sound to answer.
 */
const dropped = new Set(['badinv01', 'scalarlg', 'lwsruri', 'bigcode', 'insuf', 'multi01']);
const statuses: Record<string, number> = { badvers: 505 };

function verdictOf(entry: Entry): 'accept' | 'reject' | 'either' {
  if (['accept', 'accept-tolerate', 'lenient', 'semantic'].includes(entry.verdict)) return 'accept';
  if (entry.verdict === 'reject-or-lenient') return 'either';
  return 'reject';
}

const expectations = new Map(
  rfc4475.map((e) => [
    e.name,
    JSON.parse(readFileSync(new URL(`rfc4475/${e.file}.expect.json`, root), 'utf8')) as Expectation,
  ]),
);
for (const entry of rfc4475) assert.equal(expectations.get(entry.name)?.verdict, entry.verdict, entry.name);

function runCorpus(title: string, entries: Entry[], dir: string) {
  describe(title, () => {
    for (const entry of entries) {
      const file = new URL(`${dir}/${entry.file ?? entry.wire_file}`, root);
      test(`${entry.section} ${entry.name}: ${entry.verdict}`, () => {
        const bytes = readFileSync(file);
        assert.equal(
          createHash('sha256').update(bytes).digest('hex'),
          entry.sha256 ?? entry.wire_sha256,
          'fixture bytes',
        );
        const verdict = verdictOf(entry);
        let result: SipMessage | SipParseError;
        try {
          result = parseDatagram(bytes);
        } catch (error) {
          assert.ok(error instanceof SipParseError, String(error));
          result = error;
        }
        if (verdict === 'accept') {
          assert.ok(!(result instanceof SipParseError), `rejected: ${(result as SipParseError).reason}`);
          checks[entry.name]?.(result);
          const expectation = expectations.get(entry.name);
          if (expectation) {
            // Framed by Content-Length when there is one, else the rest of the datagram (inv2543).
            const [length = expectation.body_bytes] = expectation.content_length_values;
            assert.equal(result.body.length, length);
          }
        } else if (verdict === 'reject') {
          assert.ok(result instanceof SipParseError, 'accepted');
          assert.equal(result.action, dropped.has(entry.name) ? 'drop' : 'respond', result.reason);
          assert.equal(result.status, statuses[entry.name] ?? 400);
          if (entry.verdict === 'drop') assert.equal(result.action, 'drop');
          // A response is never answered.
          if (bytes.subarray(0, 4).toString() === 'SIP/') assert.equal(result.action, 'drop');
        }
      });
    }
  });
}

runCorpus('RFC 4475 torture messages (datagram)', rfc4475, 'rfc4475');
runCorpus('RFC 5118 IPv6 messages (datagram)', rfc5118, 'rfc5118');

describe('RFC 4475 valid messages over a stream', () => {
  for (const entry of rfc4475.filter((e) => e.category === 'valid' && e.name !== 'dblreq')) {
    test(`${entry.name} framed byte by byte equals the datagram parse`, () => {
      const bytes = readFileSync(new URL(`rfc4475/${entry.file}`, root));
      const framer = new SipStreamFramer();
      const messages: SipMessage[] = [];
      for (let i = 0; i < bytes.length; i++) {
        for (const e of framer.push(bytes.subarray(i, i + 1))) if (e.kind === 'message') messages.push(e.message);
      }
      assert.equal(messages.length, 1);
      assert.deepEqual(messages[0], parseDatagram(bytes));
    });
  }
  test('dblreq on a stream: the trailing octets are a second message, then framing is lost', () => {
    const bytes = readFileSync(new URL('rfc4475/messages/3.1.1.8_dblreq.sip', root));
    const events = new SipStreamFramer().push(bytes);
    assert.deepEqual(
      events.map((e) => (e.kind === 'message' ? e.message.cseq.method : e.kind === 'error' ? e.error.action : e.kind)),
      ['REGISTER', 'pong', 'INVITE', 'close'],
    );
  });
});
