import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { assertOk, fileSandbox, startServe } from './support/cli.js';
import { RawXmpp, streamHeader } from './support/xmpp.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'a.test']));
});

test('serve --xmpp-port 0 --xmpps-port 0 logs both XMPP listeners, and a client gets the stream features', async () => {
  const serve = startServe(['--http-port', '0', '--xmpp-port', '0', '--xmpps-port', '0', '--no-sip', '--no-csta'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  const c2s = await serve.waitFor((r) => r.listener === 'xmpp-c2s');
  await serve.waitFor((r) => r.listener === 'xmpp-c2s-tls');
  const raw = await RawXmpp.open(Number(c2s.port));
  raw.send(streamHeader('a.test'));
  await raw.expect('<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls>');
  raw.close();
  assert.equal((await serve.stop()).code, 0);
});

test('serve --xmpp-s2s-port 0 logs the server-to-server listener, which requires STARTTLS of a server', async () => {
  const serve = startServe(['--http-port', '0', '--xmpp-s2s-port', '0', '--no-sip', '--no-csta'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  const s2s = await serve.waitFor((r) => r.listener === 'xmpp-s2s');
  assert.notEqual(Number(s2s.port), 5269);
  const raw = await RawXmpp.open(Number(s2s.port));
  raw.send(
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='remote.test' to='a.test' version='1.0'>",
  );
  await raw.expect('<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls>');
  raw.close();
  assert.equal((await serve.stop()).code, 0);
});

test('serve --no-xmpp opens no XMPP listener', async () => {
  const serve = startServe(['--http-port', '0', '--no-xmpp', '--no-sip', '--no-csta'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  await serve.waitFor((r) => r.listener === 'http');
  assert.equal((await serve.stop()).code, 0);
  assert.deepEqual(
    serve.records.filter((r) => typeof r.listener === 'string' && r.listener.startsWith('xmpp')),
    [],
  );
});
