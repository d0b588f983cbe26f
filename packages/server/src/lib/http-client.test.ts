import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OutboundPolicy } from '../platform/outbound.js';
import { HttpFetchError, HttpTimeoutError, httpRequest, MAX_REDIRECTS } from './http-client.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

/** A server on 127.0.0.1 (or `host`), recording the headers of each request by path. */
async function serve(handler: RequestListener, host = '127.0.0.1') {
  const seen = new Map<string, IncomingHttpHeaders & { method?: string }>();
  const server = createServer((req, res) => {
    seen.set(req.url ?? '', { ...req.headers, method: req.method });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://${host}:${port}`, seen };
}

// The test servers listen on loopback, which the outbound policy refuses unless allowed.
const limits = { timeoutMs: 2000, maxBytes: 1000, outbound: new OutboundPolicy(['127.0.0.0/8', '::1']) };
const secret = { authorization: 'Bearer s3cret', 'x-api-key': 'k3y', accept: 'application/json' };

test('a redirect to the same origin keeps every header; to another origin only the harmless ones', async () => {
  // 'localhost' and '127.0.0.1' are different origins, like two hosts.
  const other = await serve((_req, res) => res.end('{"at":"other"}'), 'localhost');
  const home = await serve((req, res) => {
    if (req.url === '/start') res.writeHead(302, { location: '/moved' }).end();
    else if (req.url === '/moved') res.writeHead(307, { location: `${other.url}/away` }).end();
    else res.end('?');
  });
  const res = await httpRequest(`${home.url}/start`, { headers: secret }, limits);
  assert.equal(res.body, '{"at":"other"}');
  assert.equal(home.seen.get('/moved')?.['x-api-key'], 'k3y', 'same origin: kept');
  assert.equal(home.seen.get('/moved')?.authorization, 'Bearer s3cret');
  const away = other.seen.get('/away');
  assert.equal(away?.authorization, undefined, 'another origin: no credentials');
  assert.equal(away?.['x-api-key'], undefined);
  assert.equal(away?.accept, 'application/json');
});

test('303 goes on as a GET without body; 307 keeps the method and body', async () => {
  const bodies: string[] = [];
  const s = await serve((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      bodies.push(`${req.method} ${req.url} ${body}`);
      if (req.url === '/a') res.writeHead(303, { location: '/b' }).end();
      else if (req.url === '/c') res.writeHead(307, { location: '/d' }).end();
      else res.end('ok');
    });
  });
  await httpRequest(`${s.url}/a`, { method: 'POST', body: 'x=1' }, limits);
  await httpRequest(`${s.url}/c`, { method: 'REPORT', body: '<q/>' }, limits);
  assert.deepEqual(bodies, ['POST /a x=1', 'GET /b ', 'REPORT /c <q/>', 'REPORT /d <q/>']);
});

test('redirect loops, oversized bodies, timeouts and bad URLs are errors that say so', async () => {
  let hops = 0;
  const loop = await serve((_req, res) => {
    hops++;
    res.writeHead(301, { location: '/again' }).end();
  });
  await assert.rejects(httpRequest(`${loop.url}/`, {}, limits), /more than 5 redirects/);
  assert.equal(hops, MAX_REDIRECTS + 1);

  const big = await serve((_req, res) => res.end('x'.repeat(5000)));
  await assert.rejects(httpRequest(big.url, {}, limits), /response exceeds 1000 bytes/);

  // Headers at once, then the body never ends: the time limit covers the body too (the error
  // says so; the bound only tells a failure from a hang).
  const slow = await serve((_req, res) => {
    res.writeHead(200);
    res.write('{');
  });
  const t0 = Date.now();
  await assert.rejects(httpRequest(slow.url, {}, { ...limits, timeoutMs: 300 }), (err) => {
    assert.ok(err instanceof HttpTimeoutError, String(err));
    assert.match(err.message, /no answer from 127\.0\.0\.1:\d+ within 300 ms/);
    return true;
  });
  assert.ok(Date.now() - t0 < 30_000);

  await assert.rejects(httpRequest('ftp://example.test/', {}, limits), HttpFetchError);
  await assert.rejects(httpRequest('not a url', {}, limits), /invalid URL/);
});

test("the caller's signal ends a request at once, with the caller's reason", async () => {
  const hung = await serve(() => undefined);
  const controller = new AbortController();
  const t0 = Date.now();
  const pending = httpRequest(hung.url, { signal: controller.signal }, { ...limits, timeoutMs: 60_000 });
  setTimeout(() => controller.abort(new Error('lookup took too long')), 100);
  await assert.rejects(pending, /lookup took too long/);
  // Ended by the signal, far from the time limit that would otherwise end it.
  assert.ok(Date.now() - t0 < 30_000, `ended after ${Date.now() - t0} ms`);
});

test('every hop goes through the outbound policy: a refused target never gets a request', async () => {
  const inside = await serve((_req, res) => res.end('{"secret":"internal"}'));
  const strict = { ...limits, outbound: new OutboundPolicy([]) };
  await assert.rejects(httpRequest(`${inside.url}/admin`, {}, strict), (err) => {
    assert.ok(err instanceof HttpFetchError);
    assert.equal(
      err.message,
      'refused: 127.0.0.1 is a loopback address (outbound.allow lets a system administrator allow it)',
    );
    return true;
  });
  await assert.rejects(
    httpRequest(inside.url.replace('127.0.0.1', 'localhost'), {}, strict),
    /refused: localhost resolves to/,
  );
  assert.equal(inside.seen.size, 0, 'no request reached the server');

  // Only the name localhost is allowed; a redirect from there to 127.0.0.1 is refused.
  const named = { ...limits, outbound: new OutboundPolicy(['localhost']) };
  const front = await serve((_req, res) => res.writeHead(302, { location: `${inside.url}/admin` }).end(), 'localhost');
  await assert.rejects(
    httpRequest(`${front.url}/start`, {}, named),
    /^HttpFetchError: refused: 127\.0\.0\.1 is a loopback/,
  );
  assert.ok(front.seen.has('/start'));
  assert.equal(inside.seen.size, 0, 'the redirect target got nothing');
  assert.equal((await httpRequest(`${inside.url}/admin`, {}, limits)).body, '{"secret":"internal"}', 'allowed: works');
});

test('the connection goes to the address the policy checked, not to a second lookup', async () => {
  const s = await serve((_req, res) => res.end('pinned'));
  const port = new URL(s.url).port;
  // No DNS knows this name: only the policy's resolver does, so the request can only succeed on its answer.
  const pinned = new OutboundPolicy(['127.0.0.0/8'], {
    resolver: async (host) => (host === 'crm.pinned.test' ? [{ address: '127.0.0.1', family: 4 }] : []),
  });
  const res = await httpRequest(`http://crm.pinned.test:${port}/x`, {}, { ...limits, outbound: pinned });
  assert.equal(res.body, 'pinned');
  assert.equal(s.seen.get('/x')?.host, `crm.pinned.test:${port}`, 'the Host header keeps the name');
});

test('compressed answers are decoded, and the size cap counts the decoded bytes', async () => {
  const text = 'BEGIN:VCALENDAR\n'.repeat(50);
  const s = await serve((req, res) => {
    const big = req.url === '/big';
    res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(big ? 'x'.repeat(100_000) : text));
  });
  assert.equal((await httpRequest(`${s.url}/small`, {}, limits)).body, text);
  assert.match(s.seen.get('/small')?.['accept-encoding'] ?? '', /gzip/);
  await assert.rejects(httpRequest(`${s.url}/big`, {}, limits), /response exceeds 1000 bytes/);
});
