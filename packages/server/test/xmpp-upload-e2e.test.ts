// XEP-0363 end to end over the real listeners: a standard client (@xmpp/client over STARTTLS)
// finds the upload service, gets a slot, PUTs the file to Parley's HTTP listener and sends its GET
// URL; the web-app user sees the message with the file and downloads it through the web API.
// And the HTTP side's refusals: wrong size or type, a replayed or forged slot, the quota.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Element, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from './support/server.js';
import { eventually, WAIT_MS, type XmppClient, xmppLogin } from './support/xmpp-login.js';

const UPLOAD = 'urn:xmpp:http:upload:0';
const MAX = 2000;

describe('XEP-0363 upload from an XMPP client to a web-app user', () => {
  let server: TestServer;
  let web: Awaited<ReturnType<TestServer['user']>>;
  let xmpp: XmppClient;

  const slot = async (filename: string, size: number, type: string) => {
    const iq = xml(
      'iq',
      { type: 'get', to: 'upload.example.test' },
      xml('request', { xmlns: UPLOAD, filename, size: String(size), 'content-type': type }),
    );
    const s = (await xmpp.iqCaller.request(iq, WAIT_MS)).getChild('slot', UPLOAD) as Element;
    return { put: s.getChild('put')?.attrs.url as string, get: s.getChild('get')?.attrs.url as string };
  };
  const put = (url: string, body: Buffer, type: string) =>
    fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });

  before(async () => {
    server = await startTestServer({
      'messaging.attachments.maxBytes': MAX,
      'messaging.attachments.userQuotaMegabytes': 3000 / 1024 / 1024,
    });
    web = await server.user('bob@example.test');
    const alice = await server.user('alice@example.test', { password: 'alice-password-1' });
    xmpp = await xmppLogin(server, { username: 'alice', password: alice.password, resource: 'desk' });
  });
  after(async () => {
    await xmpp?.stop().catch(() => undefined);
    await server?.stop();
  });

  test('the client uploads over XEP-0363 and sends the link; the web user sees the file and downloads it', async () => {
    const items = (await xmpp.iqCaller.get(
      xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }),
      'example.test',
      WAIT_MS,
    )) as Element;
    assert.ok(items.getChildren('item').some((i: Element) => i.attrs.jid === 'upload.example.test'));
    const info = (await xmpp.iqCaller.get(
      xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }),
      'upload.example.test',
      WAIT_MS,
    )) as Element;
    assert.ok(info.getChildren('feature').some((f: Element) => f.attrs.var === UPLOAD));

    const bytes = Buffer.from('%PDF-1.4 the plan\n'.repeat(20));
    const s = await slot('plan.pdf', bytes.length, 'application/pdf');
    // Links on the HTTP listener the server runs (no http.publicUrl set).
    assert.ok(s.get.startsWith(`${server.url}/files/`), s.get);
    // A browser client of another origin may PUT to the slot: its preflight is answered (CORS).
    const preflight = await fetch(s.put, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://webclient.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /\bPUT\b/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
    const uploaded = await put(s.put, bytes, 'application/pdf');
    assert.equal(uploaded.status, 201);
    assert.equal(uploaded.headers.get('access-control-allow-origin'), '*');
    // Anyone with the GET URL (the recipient's client) fetches it, with the attachments' safe headers.
    const fetched = await fetch(s.get);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.headers.get('content-security-policy'), "sandbox; default-src 'none'");
    assert.equal(fetched.headers.get('x-content-type-options'), 'nosniff');
    assert.match(fetched.headers.get('content-disposition') ?? '', /^attachment; filename\*=UTF-8''plan\.pdf$/);
    // … from any origin (the link is the permission, no credentials): readable and embeddable there.
    assert.equal(fetched.headers.get('access-control-allow-origin'), '*');
    assert.equal(fetched.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), bytes);

    await xmpp.send(
      xml(
        'message',
        { to: 'bob@example.test', type: 'chat', id: 'f1' },
        xml('body', {}, s.get),
        xml('x', { xmlns: 'jabber:x:oob' }, xml('url', {}, s.get)),
      ),
    );
    const message = await eventually(async () => {
      const list = await web.api.request('conversations.list', { query: {} });
      const c = list.conversations[0];
      if (!c) return undefined;
      const { messages } = await web.api.request('messages.list', { params: { id: c.id }, query: {} });
      return messages.find((m: { attachments: unknown[] }) => m.attachments.length > 0);
    }, 'the file in the web app');
    assert.equal(message.text, '');
    const [file] = message.attachments;
    assert.equal(file?.name, 'plan.pdf');
    const download = await fetch(new URL(file?.url as string, server.url), {
      headers: { authorization: `Bearer ${web.token}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
  });

  test('the PUT is the slot: other size or type, a replay, a forged or wrong-file slot are refused; so is a slot over quota', async () => {
    const s = await slot('a.txt', 4, 'text/plain');
    const code = async (r: Response) => {
      // A browser client of another origin reads why too.
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    };
    assert.deepEqual(await code(await put(s.put, Buffer.from('five!'), 'text/plain')), [400, 'PARLEY_ERR_VALIDATION']);
    assert.deepEqual(await code(await put(s.put, Buffer.from('four'), 'image/png')), [
      415,
      'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE',
    ]);
    assert.deepEqual(await code(await put(`${s.put}x`, Buffer.from('four'), 'text/plain')), [
      403,
      'PARLEY_ERR_FORBIDDEN',
    ]);
    const other = await slot('b.txt', 4, 'text/plain');
    const forged = `${other.get}?slot=${new URL(s.put).searchParams.get('slot')}`;
    assert.deepEqual(await code(await put(forged, Buffer.from('four'), 'text/plain')), [403, 'PARLEY_ERR_FORBIDDEN']);
    // Before the upload the GET finds nothing.
    assert.equal((await fetch(s.get)).status, 404);
    assert.equal((await put(s.put, Buffer.from('four'), 'text/plain')).status, 201);
    assert.deepEqual(await code(await put(s.put, Buffer.from('four'), 'text/plain')), [409, 'PARLEY_ERR_CONFLICT']);
    // A GET with a wrong token is as if there were no file.
    const wrong = s.get.replace(/\/([A-Za-z0-9_-]{22})\//, '/AAAAAAAAAAAAAAAAAAAAAA/');
    assert.notEqual(wrong, s.get);
    assert.equal((await fetch(wrong)).status, 404);

    // 3,000 bytes per user: 360 + 4 used, one more of 2,000 fits, then the next is refused at the slot.
    const big = await slot('big.bin', MAX, 'application/zip');
    assert.equal((await put(big.put, Buffer.alloc(MAX), 'application/zip')).status, 201);
    const refused = await slot('c.zip', 1000, 'application/zip').then(
      () => undefined,
      (err: { condition?: string }) => err.condition,
    );
    assert.equal(refused, 'resource-constraint');
  });
});
