// XMPP server-to-server streams as another server sees them (issue 15), with a raw server of the
// test's own: STARTTLS required, SASL EXTERNAL on a certificate the configured CA signed (and not
// for another identity), a stanza from a domain the stream did not authenticate ends it with
// invalid-from, a blocked domain is refused at the header; and a stanza a user sends to a domain
// that cannot be reached bounces with remote-server-not-found; a peer that asks for a
// bidirectional stream (XEP-0288) gets our stanzas on it. Prosody and ejabberd are in
// test/interop/xmpp-s2s.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from './support/cluster.js';
import { startTestServer, type TestServer } from './support/server.js';
import { issueCertificate, makeCertificates } from './support/slapd.js';
import { b64, RawXmpp } from './support/xmpp.js';

let server: TestServer;
let s2sPort: number;
let c2sPort: number;
let bob: Awaited<ReturnType<TestServer['user']>>;
let remoteTls: { cert: string; key: string };
let settings: Record<string, unknown>;
const dir = tempDir('parley-s2s-');

const header = (from: string, to = 'a.test') =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='${from}' to='${to}' version='1.0'>`;

before(async () => {
  await makeCertificates(dir);
  const local = await issueCertificate(dir, 'a.test', ['a.test']);
  const remote = await issueCertificate(dir, 'remote.test', ['remote.test']);
  remoteTls = { cert: readFileSync(remote.certFile, 'utf8'), key: readFileSync(remote.keyFile, 'utf8') };
  settings = {
    'xmpp.c2s.requireTls': true,
    'xmpp.certificates': [{ domain: 'a.test', cert: local.certFile, key: local.keyFile }],
    'federation.caFile': join(dir, 'ca.crt'),
    // Nothing answers there: every lookup of a federated domain fails at once.
    'federation.dnsServers': ['127.0.0.1:9'],
    'federation.checkTimeoutSeconds': 1,
  };
  server = await startTestServer(settings);
  bob = await server.user('bob@a.test');
  s2sPort = server.listeners.find((l) => l.name === 'xmpp-s2s')?.port as number;
  c2sPort = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
});

after(async () => {
  await server?.stop();
});

/** A stream from `from` with STARTTLS done and our certificate for remote.test presented; returns the features. */
async function secureStream(from: string, port = s2sPort): Promise<{ raw: RawXmpp; features: string }> {
  const raw = await RawXmpp.open(port);
  raw.send(header(from));
  await raw.expect('<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls>');
  raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  await raw.expect('<proceed');
  await raw.upgrade('a.test', remoteTls);
  raw.send(header(from));
  const [features] = await raw.expect(/<stream:features>[\s\S]*?<\/stream:features>/);
  return { raw, features };
}

/** A stream from remote.test authenticated with SASL EXTERNAL (the empty authzid), restarted. */
async function externalStream(): Promise<RawXmpp> {
  const { raw } = await secureStream('remote.test');
  raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>`);
  await raw.expect('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
  raw.send(header('remote.test'));
  await raw.expect('</stream:features>');
  return raw;
}

test('SASL EXTERNAL on a valid certificate, then stanzas of that domain reach the user; another domain is invalid-from', async () => {
  const client = await RawXmpp.open(c2sPort);
  await client.login('bob@a.test', bob.password);
  client.send('<presence/>');
  const { raw, features } = await secureStream('remote.test');
  assert.match(features, /<mechanism>EXTERNAL<\/mechanism>/);
  assert.match(features, /<dialback xmlns="urn:xmpp:features:dialback"><errors\/><\/dialback>/);
  raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${b64('remote.test')}</auth>`);
  await raw.expect('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
  raw.send(header('remote.test'));
  // Authenticated: no SASL any more; dialback stays for other domains of the same server.
  const [after] = await raw.expect(/<stream:features>[\s\S]*?<\/stream:features>/);
  assert.doesNotMatch(after, /mechanisms/);
  raw.send("<message from='alice@remote.test/x' to='bob@a.test' type='chat'><body>over s2s</body></message>");
  await client.expect(/<message[^>]*from="alice@remote\.test\/x"[^>]*>.*<body>over s2s<\/body>/);
  raw.send("<message from='mallory@other.test' to='bob@a.test' type='chat'><body>spoofed</body></message>");
  await raw.expect('<invalid-from xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  await raw.ended();
  client.close();
});

test('SASL EXTERNAL for an identity the certificate does not name fails; the stream carries nothing', async () => {
  const { raw, features } = await secureStream('other.test');
  // The certificate names remote.test, not the stream's other.test: no EXTERNAL offered.
  assert.doesNotMatch(features, /EXTERNAL/);
  raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${b64('other.test')}</auth>`);
  await raw.expect(/<failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><not-authorized\/>/);
  raw.send("<message from='x@other.test' to='bob@a.test' type='chat'><body>unauthenticated</body></message>");
  await raw.expect('<invalid-from xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  raw.close();
});

test('a stanza before STARTTLS is refused, and a blocked domain is refused at the header', async () => {
  const plain = await RawXmpp.open(s2sPort);
  plain.send(header('remote.test'));
  await plain.expect('<required/></starttls>');
  plain.send("<message from='alice@remote.test' to='bob@a.test'><body>x</body></message>");
  await plain.expect('<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  await plain.ended();

  await server.core.federation.setDomain(bob.tenantId, 'blocked.test', 'blocked');
  const raw = await RawXmpp.open(s2sPort);
  raw.send(header('blocked.test'));
  await raw.expect(
    /<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/><text[^>]*>a\.test does not federate with blocked\.test<\/text>/,
  );
  await raw.ended();
});

test('a stream to a domain this server does not serve is host-unknown', async () => {
  const raw = await RawXmpp.open(s2sPort);
  raw.send(header('remote.test', 'elsewhere.test'));
  await raw.expect('<host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  await raw.ended();
});

test('a message to a server that cannot be reached bounces with remote-server-not-found', async () => {
  const client = await RawXmpp.open(c2sPort);
  await client.login('bob@a.test', bob.password);
  client.send("<message id='m1' to='carol@unreachable.test' type='normal'><body>hello?</body></message>");
  await client.expect(
    /<message[^>]*from="carol@unreachable\.test"[^>]*type="error"[^>]*>[\s\S]*<remote-server-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/,
  );
  client.close();
});

test('XEP-0288: a peer that asks for bidi gets our stanzas on its own stream; once it ends they go the usual way', async () => {
  const client = await RawXmpp.open(c2sPort);
  await client.login('bob@a.test', bob.password);
  client.send('<presence/>');
  const { raw, features } = await secureStream('remote.test');
  assert.match(features, /<bidi xmlns="urn:xmpp:features:bidi"\/>/);
  raw.send("<bidi xmlns='urn:xmpp:bidi'/>");
  raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${b64('remote.test')}</auth>`);
  await raw.expect('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
  raw.send(header('remote.test'));
  const [after] = await raw.expect(/<stream:features>[\s\S]*?<\/stream:features>/);
  assert.doesNotMatch(after, /bidi/, 'offered only before authentication');
  client.send("<message id='b1' to='alice@remote.test' type='chat'><body>the same way back</body></message>");
  await raw.expect(/<message[^>]*to="alice@remote\.test"[^>]*>.*<body>the same way back<\/body>/);
  raw.send("<message from='alice@remote.test/x' to='bob@a.test' type='chat'><body>and here</body></message>");
  await client.expect(/<message[^>]*from="alice@remote\.test\/x"[^>]*>.*<body>and here<\/body>/);
  raw.send('</stream:stream>');
  await raw.ended();
  // The bidirectional stream is gone: the next stanza needs an outbound stream (no DNS here).
  client.send("<message id='b2' to='alice@remote.test' type='chat'><body>and now?</body></message>");
  await client.expect(/<message[^>]*id="b2"[^>]*type="error"[^>]*>[\s\S]*<remote-server-not-found/);
  client.close();
});

test('XEP-0288: our traffic keeps a bidirectional stream open while the peer is silent; idle both ways, it closes', async () => {
  const idle = await startTestServer({ ...settings, 'xmpp.limits.idleSeconds': 10 });
  try {
    const port = (name: string) => idle.listeners.find((l) => l.name === name)?.port;
    const carol = await idle.user('carol@a.test');
    const client = await RawXmpp.open(port('xmpp-c2s') as number);
    await client.login('carol@a.test', carol.password);
    const { raw } = await secureStream('remote.test', port('xmpp-s2s'));
    raw.send("<bidi xmlns='urn:xmpp:bidi'/>");
    raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>${b64('remote.test')}</auth>`);
    await raw.expect('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
    raw.send(header('remote.test'));
    await raw.expect('</stream:features>');
    // The peer says nothing more; carol's messages take this stream for longer than the idle bound.
    const until = Date.now() + 13_000;
    for (let n = 1; Date.now() < until; n++) {
      client.send(`<message id='i${n}' to='alice@remote.test' type='chat'><body>still there ${n}</body></message>`);
      await raw.expect(new RegExp(`<body>still there ${n}</body>`));
      await new Promise((resolve) => setTimeout(resolve, 3_000).unref());
    }
    // Now nothing either way: the idle bound ends it.
    await raw.ended(30_000);
    client.close();
  } finally {
    await idle.stop();
  }
});

test('XEP-0288: bidi asked for after authentication ends the stream', async () => {
  const raw = await externalStream();
  raw.send("<bidi xmlns='urn:xmpp:bidi'/>");
  await raw.expect('<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
  await raw.ended();
});

test('XEP-0288 off (xmpp.s2s.bidi false): not offered, and asking for it ends the stream', async () => {
  const off = await startTestServer({ ...settings, 'xmpp.s2s.bidi': false });
  try {
    await off.user('bob@a.test'); // the tenant of a.test
    const { raw, features } = await secureStream('remote.test', off.listeners.find((l) => l.name === 'xmpp-s2s')?.port);
    assert.doesNotMatch(features, /bidi/);
    raw.send("<bidi xmlns='urn:xmpp:bidi'/>");
    await raw.expect('<unsupported-stanza-type xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
    await raw.ended();
  } finally {
    await off.stop();
  }
});

test('a domain blocked while its stream is up is refused at its next stanza', async () => {
  const raw = await externalStream();
  await server.core.federation.setDomain(bob.tenantId, 'remote.test', 'blocked');
  raw.send("<message from='alice@remote.test' to='bob@a.test' type='chat'><body>still here?</body></message>");
  await raw.expect(
    /<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/><text[^>]*>a\.test does not federate with remote\.test<\/text>/,
  );
  await raw.ended();
});
