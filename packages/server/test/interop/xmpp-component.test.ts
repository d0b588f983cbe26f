// Parley against an external component nobody on this team wrote: slixmpp's ComponentXMPP
// (Debian's python3-slixmpp, XEP-0114) connects to Parley's component port with its secret, echoes
// what users send to addresses of its domain, messages a user on its own, and asks the server
// for disco#info and disco#items; a user who is not online is refused back to it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { RawXmpp } from '../support/xmpp.js';
import { probeSlixmpp, type SlixmppClient, startSlixmppComponent } from './support/xmpp-client.js';

const skip = await requirePeer('slixmpp', probeSlixmpp);
const SECRET = 'interop-component-secret';

// Skipped only when slixmpp is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('slixmpp as an external component of Parley', { skip }, () => {
  let server: TestServer;
  let bot: SlixmppClient;
  let alice: RawXmpp;

  before(async () => {
    server = await startTestServer({ 'xmpp.components': [{ domain: 'echo.parley.test', secret: SECRET }] });
    const user = await server.user('alice@parley.test');
    await server.user('bob@parley.test');
    const port = server.listeners.find((l) => l.name === 'xmpp-component')?.port as number;
    bot = await startSlixmppComponent({ domain: 'echo.parley.test', secret: SECRET, host: '127.0.0.1', port });
    alice = await RawXmpp.open(server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number);
    await alice.login('alice@parley.test', user.password, 'laptop');
    alice.send('<presence/>');
  });

  after(async () => {
    alice?.close();
    await bot?.stop();
    await server?.stop();
  });

  test('completes the handshake as its domain', () => {
    assert.equal(bot.ready.jid, 'echo.parley.test');
  });

  test("echoes a user's message from the address the user wrote to", async () => {
    const from = bot.events.length;
    alice.send("<message to='support@echo.parley.test' type='chat' id='e1'><body>hello bot</body></message>");
    const got = await bot.wait((e) => e.event === 'message' && e.body === 'hello bot', from, 'the user message');
    assert.equal(got.from, 'alice@parley.test/laptop');
    assert.equal(got.to, 'support@echo.parley.test');
    const [echo] = await alice.expect(/<message[^>]*from="support@echo\.parley\.test"[\s\S]*?<\/message>/);
    assert.match(echo, /<body>echo: hello bot<\/body>/);
  });

  test('messages a user on its own; one who is not online is refused back', async () => {
    await bot.ask({ cmd: 'message', from: 'news@echo.parley.test', to: 'alice@parley.test', body: 'lunch at 12' });
    const [msg] = await alice.expect(/<message[^>]*from="news@echo\.parley\.test"[\s\S]*?<\/message>/);
    assert.match(msg, /lunch at 12/);
    const from = bot.events.length;
    await bot.ask({ cmd: 'message', from: 'news@echo.parley.test', to: 'bob@parley.test', body: 'anyone?' });
    const err = await bot.wait((e) => e.event === 'message' && e.type === 'error', from, 'the refusal');
    assert.equal(err.condition, 'service-unavailable', JSON.stringify(bot.events.slice(from)));
  });

  test("asks the server's disco: the server identity, and the component among its items", async () => {
    const disco = await bot.ask({ cmd: 'disco', to: 'parley.test' });
    assert.ok(
      (disco.identities as string[][]).some(([category, type]) => category === 'server' && type === 'im'),
      JSON.stringify(disco),
    );
    assert.ok((disco.items as string[]).includes('echo.parley.test'), JSON.stringify(disco));
  });
});
