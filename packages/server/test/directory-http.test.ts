// The HTTP/CRM directory source against a fake CRM served here on a free loopback port: 2,500
// contacts over each kind of paging, the errors a real API gives (500, HTML, huge or slow
// answers, 401), the limits, and the live lookup by number.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { type HttpSourceConfigInput, redact } from '../src/directory/http/config.js';
import { HttpSource } from '../src/directory/http/source.js';
import type { SourceContact, SyncOutcome } from '../src/directory/source.js';
import { OutboundPolicy } from '../src/platform/outbound.js';
import { directorySourceContract } from './contract/directory-source.contract.js';

const TOTAL = 2500;
const TOKEN = 'Bearer s3cret-token';
const log = pino({ level: 'silent' });
/** The fake CRM listens on loopback, which the outbound policy refuses unless allowed. */
const loopback = new OutboundPolicy(['127.0.0.0/8', '::1']);

const contacts = Array.from({ length: TOTAL }, (_, k) => {
  const i = k + 1;
  return {
    id: `c${i}`,
    fullName: `Person ${i}`,
    firstName: 'Person',
    lastName: String(i),
    account: { name: `Account ${i % 7}` },
    jobTitle: i % 2 ? 'Buyer' : null,
    emails: [{ address: `p${i}@example.com` }],
    phones: [
      { kind: 'work', number: `+49 711 ${100000 + i}` },
      ...(i % 5 === 0 ? [] : [{ kind: 'work', number: `+49 711 ${300000 + i}` }]),
    ],
    mobile: i % 3 === 0 ? `+49 170 ${200000 + i}` : '',
    links: { self: `https://crm.example.com/contacts/c${i}` },
  };
});

interface Seen {
  url: string;
  auth: string | undefined;
}

describe('HTTP directory source', () => {
  let server: Server;
  let base: string;
  const requests: Seen[] = [];
  const hanging = new Set<ServerResponse>();

  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.headers.authorization !== TOKEN) return json(res, { error: 'invalid token' }, 401);
    const q = url.searchParams;
    const num = (name: string, dflt: number) => (q.has(name) ? Number(q.get(name)) : dflt);
    switch (url.pathname) {
      case '/api/page': {
        const size = num('pageSize', 50);
        const page = num('page', 1);
        const slice = contacts.slice((page - 1) * size, page * size);
        return json(res, { data: { contacts: slice }, meta: { total: TOTAL } });
      }
      case '/api/offset': {
        // This CRM caps the page size at 200, whatever is asked.
        const limit = Math.min(num('limit', 50), 200);
        const offset = num('offset', 0);
        return json(res, { data: { contacts: contacts.slice(offset, offset + limit) } });
      }
      case '/api/cursor': {
        const size = num('size', 100);
        const from = q.has('cursor') ? Number(Buffer.from(q.get('cursor') ?? '', 'base64url').toString()) : 0;
        const next = from + size < TOTAL ? Buffer.from(String(from + size)).toString('base64url') : null;
        return json(res, { items: contacts.slice(from, from + size), next });
      }
      case '/api/cursor-url': {
        const after = num('after', 0);
        const next = after + 300 < TOTAL ? `/api/cursor-url?after=${after + 300}&api_key=k` : null;
        return json(res, { results: contacts.slice(after, after + 300), links: { next } });
      }
      case '/api/fail': {
        if (num('page', 1) === 3) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          return res.end('database unavailable');
        }
        const page = num('page', 1);
        return json(res, { data: { contacts: contacts.slice((page - 1) * 10, page * 10) } });
      }
      case '/api/html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<!doctype html><html><body>Please log in</body></html>');
      case '/api/huge': {
        // 2 MB, chunked (no content-length): the cap must count while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":{"contacts":[');
        const chunk = JSON.stringify(contacts.slice(0, 100));
        for (let n = 0; n < 2_000_000 / chunk.length; n++) res.write(`${n ? ',' : ''}${chunk.slice(1, -1)}`);
        return res.end(']}}');
      }
      case '/api/huge-declared': {
        const body = JSON.stringify({ data: { contacts }, pad: 'x'.repeat(2_000_000) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        return res.end(body);
      }
      case '/api/slow':
        // Never answers.
        hanging.add(res);
        return;
      case '/api/slow-body':
        // Headers at once, then the body stalls.
        hanging.add(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":{"contacts":[');
        return;
      case '/api/slash-token':
        // Base64 tokens may start with "/": only nextKind tells them from a path.
        return q.get('cursor') === '/2=='
          ? json(res, { items: contacts.slice(5, 10), next: null })
          : json(res, { items: contacts.slice(0, 5), next: '/2==' });
      case '/api/ignores-paging':
        return json(res, { data: { contacts: contacts.slice(0, 10) } });
      case '/api/elsewhere':
        return json(res, { items: contacts.slice(0, 5), next: 'http://crm.example.net/api/cursor?page=2' });
      case '/api/lookup': {
        const phone = q.get('phone') ?? '';
        const digits = phone.replace(/\D/g, '');
        const found = contacts.filter((c) => c.phones.some((p) => p.number.replace(/\D/g, '') === digits));
        if (found.length === 0) return json(res, { error: 'no such contact' }, 404);
        return json(res, { data: { contacts: found } });
      }
      case '/api/lookup-one': {
        const c = contacts.find((x) => x.mobile.replace(/\D/g, '') === (q.get('n') ?? '').replace(/\D/g, ''));
        return c ? json(res, { contact: c }) : json(res, { contact: null });
      }
      default:
        return json(res, { error: 'no route' }, 404);
    }
  };

  before(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const mapping = {
    id: 'id',
    name: 'fullName',
    givenName: 'firstName',
    surname: 'lastName',
    company: 'account.name',
    title: 'jobTitle',
    email: 'emails[0].address',
    url: 'links.self',
    numbers: [
      { path: 'phones[].number', type: 'work' as const },
      { path: 'mobile', type: 'mobile' as const },
    ],
  };
  const source = (over: Partial<HttpSourceConfigInput>, secret: string | null = TOKEN) =>
    new HttpSource(
      { url: `${base}/api/page`, itemsPath: 'data.contacts', mapping, timeoutMs: 5000, ...over },
      secret,
      loopback,
    );

  async function drain(s: HttpSource, signal = new AbortController().signal) {
    const out: SourceContact[] = [];
    const progress: [number, number | null][] = [];
    const gen = s.sync({ cursor: null, signal, log, progress: (done, total) => progress.push([done, total]) });
    let step = await gen.next();
    while (!step.done) {
      out.push(...step.value);
      step = await gen.next();
    }
    return { contacts: out, progress, outcome: step.value as SyncOutcome };
  }
  const requestsDuring = async <T>(fn: () => Promise<T>) => {
    const before = requests.length;
    const result = await fn();
    return { result, requests: requests.slice(before) };
  };
  const assertAll = (list: SourceContact[]) => {
    assert.equal(list.length, TOTAL);
    assert.equal(new Set(list.map((c) => c.externalId)).size, TOTAL);
  };

  test('page paging: 2,500 contacts, mapped by paths', async (t) => {
    const started = performance.now();
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(source({ paging: { kind: 'page', pageSize: 100 }, totalPath: 'meta.total' })),
    );
    t.diagnostic(`${TOTAL} contacts over ${reqs.length} pages in ${(performance.now() - started).toFixed(0)} ms`);
    assertAll(result.contacts);
    // totalPath says when all came: no extra request for an empty page.
    assert.equal(reqs.length, 25);
    assert.equal(reqs[0]?.url, '/api/page?page=1&pageSize=100');
    assert.equal(reqs[24]?.url, '/api/page?page=25&pageSize=100');
    assert.deepEqual(result.progress.at(-1), [TOTAL, TOTAL]);
    assert.deepEqual(result.outcome, { full: true, cursor: null });
    assert.deepEqual(
      result.contacts.find((c) => c.externalId === 'c15'),
      {
        externalId: 'c15',
        name: 'Person 15',
        givenName: 'Person',
        surname: '15',
        company: 'Account 1',
        department: null,
        title: 'Buyer',
        email: 'p15@example.com',
        numbers: [
          { type: 'work', raw: '+49 711 100015' },
          { type: 'mobile', raw: '+49 170 200015' },
        ],
        url: 'https://crm.example.com/contacts/c15',
      },
    );
    // An empty mobile is no number; null title is null.
    const c4 = result.contacts.find((c) => c.externalId === 'c4');
    assert.deepEqual(c4?.numbers, [
      { type: 'work', raw: '+49 711 100004' },
      { type: 'work', raw: '+49 711 300004' },
    ]);
    assert.equal(c4?.title, null);
  });

  test('page paging without a total ends at the first empty page', async () => {
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(source({ paging: { kind: 'page', pageParam: 'page', sizeParam: 'pageSize', pageSize: 500 } })),
    );
    assertAll(result.contacts);
    assert.equal(reqs.length, 6);
    assert.equal(reqs[5]?.url, '/api/page?page=6&pageSize=500');
  });

  test('offset paging: a server that caps the page size loses nothing', async () => {
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(source({ url: `${base}/api/offset`, paging: { kind: 'offset', pageSize: 250 } })),
    );
    assertAll(result.contacts);
    assert.equal(reqs[1]?.url, '/api/offset?offset=200&limit=250');
    assert.equal(reqs.length, 14); // 13 pages of 200 (the last has 100), then an empty one
  });

  test('cursor paging: a next token', async () => {
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(
        source({
          url: `${base}/api/cursor`,
          itemsPath: 'items',
          paging: { kind: 'cursor', nextPath: 'next', cursorParam: 'cursor', sizeParam: 'size', pageSize: 400 },
        }),
      ),
    );
    assertAll(result.contacts);
    assert.equal(reqs.length, 7);
    assert.equal(reqs[0]?.url, '/api/cursor?size=400');
    assert.match(reqs[1]?.url ?? '', /^\/api\/cursor\?size=400&cursor=NDAw$/);
  });

  test('cursor paging: a next URL (relative, links.next)', async () => {
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(
        source({
          url: `${base}/api/cursor-url`,
          itemsPath: 'results',
          paging: { kind: 'cursor', nextPath: 'links.next' },
        }),
      ),
    );
    assertAll(result.contacts);
    assert.equal(reqs.length, 9);
    assert.equal(reqs[1]?.url, '/api/cursor-url?after=300&api_key=k');
  });

  test('cursor paging: nextKind token for a token that looks like a path', async () => {
    const { result, requests: reqs } = await requestsDuring(() =>
      drain(
        source({
          url: `${base}/api/slash-token`,
          itemsPath: 'items',
          paging: { kind: 'cursor', nextPath: 'next', nextKind: 'token' },
        }),
      ),
    );
    assert.equal(result.contacts.length, 10);
    assert.equal(reqs[1]?.url, '/api/slash-token?cursor=%2F2%3D%3D');
  });

  test('a next URL on another host is refused (the secret would go with it)', async () => {
    await assert.rejects(
      drain(source({ url: `${base}/api/elsewhere`, itemsPath: 'items', paging: { kind: 'cursor', nextPath: 'next' } })),
      /the next page in the answer is on another host$/,
    );
  });

  test('a 500 on one page fails the sync with the URL and the status, never the answer', async () => {
    const err = await drain(source({ url: `${base}/api/fail?api_key=abc123`, paging: { kind: 'page', pageSize: 10 } }))
      .then(() => null)
      .catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.message, `GET ${base}/api/fail?api_key=***&page=3&pageSize=10: HTTP 500 server error`);
    assert.equal((err as { status?: number }).status, 500);
  });

  test('a body that is not JSON: the media type, never the text', async () => {
    const err = await source({ url: `${base}/api/html` })
      .test()
      .catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.match(
      err.message,
      /^GET http:\/\/127\.0\.0\.1:\d+\/api\/html: the answer is not valid JSON \(text\/html\)$/,
    );
  });

  test('an answer above maxBytes, declared or streamed', async () => {
    await assert.rejects(
      source({ url: `${base}/api/huge`, maxBytes: 1024 * 1024 }).test(),
      /\/api\/huge: response exceeds 1048576 bytes/,
    );
    await assert.rejects(
      source({ url: `${base}/api/huge-declared`, maxBytes: 1024 * 1024 }).test(),
      /\/api\/huge-declared: response exceeds 1048576 bytes/,
    );
  });

  test('a slow server times out: no headers, or a body that stalls', async () => {
    // Neither ever ends by itself: the rejection shows that the time limit ended the wait; the
    // bound only tells a failure from a hang.
    for (const path of ['/api/slow', '/api/slow-body']) {
      const started = Date.now();
      await assert.rejects(
        source({ url: `${base}${path}`, timeoutMs: 300 }).test(),
        new RegExp(`GET ${base.replaceAll('.', '\\.')}${path}: no answer within 300 ms`),
      );
      assert.ok(Date.now() - started < 30_000, `${path} gave up in time`);
    }
  });

  test('a wrong or missing secret: 401 unauthorized, the secret never in the message', async () => {
    for (const secret of ['Bearer wrong', null]) {
      const err = await source({}, secret)
        .test()
        .catch((e: Error) => e);
      assert.ok(err instanceof Error);
      assert.match(err.message, /: HTTP 401 unauthorized \(check the secret in the Authorization header\)/);
      assert.ok(!err.message.includes('wrong'));
    }
    assert.equal(requests.at(-1)?.auth, undefined);
    // Another header carries it when the CRM wants one.
    const custom = new HttpSource(
      { url: `${base}/api/page`, itemsPath: 'data.contacts', mapping, secretHeader: 'X-Api-Key' },
      'k',
      loopback,
    );
    await assert.rejects(custom.test(), /check the secret in the X-Api-Key header/);
  });

  test('test() checks the items and the id path', async () => {
    await source({}).test();
    await assert.rejects(source({ itemsPath: 'data.people' }).test(), /no array at "data\.people" of the answer/);
    await assert.rejects(
      source({ mapping: { ...mapping, id: 'contactId' } }).test(),
      /the first item has no value at contactId \(mapping\.id\)/,
    );
  });

  test('items without an id are skipped and reported', async () => {
    const s = source({ mapping: { ...mapping, id: 'mobile' }, paging: { kind: 'page', pageSize: 500 } });
    const { contacts: got } = await drain(s);
    assert.equal(got.length, Math.floor(TOTAL / 3));
    assert.equal(s.skippedRows.length, TOTAL - Math.floor(TOTAL / 3));
    assert.deepEqual(s.skippedRows[0], { line: 1, reason: 'no value at mobile' });
  });

  test('maxPages and an API that ignores the paging parameters fail instead of delivering part', async () => {
    await assert.rejects(
      drain(source({ paging: { kind: 'page', pageSize: 100 }, maxPages: 5 })),
      /more than 5 pages \(maxPages\)/,
    );
    await assert.rejects(
      drain(source({ url: `${base}/api/ignores-paging`, paging: { kind: 'page', pageSize: 10 } })),
      /page=2&pageSize=10: the same items as the page before/,
    );
  });

  test('abort stops the sync between pages and during a request', async () => {
    const controller = new AbortController();
    const gen = source({ paging: { kind: 'page', pageSize: 100 } }).sync({
      cursor: null,
      signal: controller.signal,
      log,
      progress: () => undefined,
    });
    await gen.next();
    controller.abort();
    await assert.rejects(gen.next(), { name: 'AbortError' });
    // During a request that never gets an answer: the abort ends it, not the request's time
    // limit (60 s), which the bound stays far from.
    const slow = new AbortController();
    setTimeout(() => slow.abort(), 100);
    const started = Date.now();
    await assert.rejects(drain(source({ url: `${base}/api/slow`, timeoutMs: 60_000 }), slow.signal), {
      name: 'AbortError',
    });
    assert.ok(Date.now() - started < 30_000, `aborted after ${Date.now() - started} ms`);
  });

  test('live lookup by number: + URL-encoded, a 404 is no contact', async () => {
    const live = (s: HttpSource) => {
      const lookup = s.lookup;
      assert.ok(lookup, 'a source with a lookup URL offers live lookups');
      return lookup;
    };
    const find = live(source({ lookup: { url: `${base}/api/lookup?phone={e164}` } }));
    const { result, requests: reqs } = await requestsDuring(() => find({ e164: '+49711100042', raw: '0711 100042' }));
    assert.equal(reqs[0]?.url, '/api/lookup?phone=%2B49711100042');
    assert.equal(reqs[0]?.auth, TOKEN);
    assert.deepEqual(
      result.map((c) => [c.externalId, c.name]),
      [['c42', 'Person 42']],
    );
    assert.deepEqual(await find({ e164: '+49999', raw: '999' }), []);
    // A single object in the answer, the raw number in the URL (spaces encoded too).
    const one = live(source({ lookup: { url: `${base}/api/lookup-one?n={raw}`, itemsPath: 'contact' } }));
    const r2 = await requestsDuring(() => one({ e164: '+49170200003', raw: '+49 170 200003' }));
    assert.equal(r2.requests[0]?.url, '/api/lookup-one?n=%2B49%20170%20200003');
    assert.deepEqual(
      r2.result.map((c) => c.externalId),
      ['c3'],
    );
    assert.deepEqual(await one({ e164: '+1', raw: '1' }), []);
    // Without a lookup URL the source offers no live lookup.
    assert.equal('lookup' in source({}), false);
  });

  test('a live-only source syncs nothing and removes nothing; test() asks the lookup URL', async () => {
    const s = new HttpSource(
      { lookup: { url: `${base}/api/lookup?phone={e164}` }, itemsPath: 'data.contacts', mapping },
      TOKEN,
      loopback,
    );
    const { contacts: got, outcome } = await drain(s);
    assert.equal(got.length, 0);
    assert.deepEqual(outcome, { full: false, cursor: null });
    await s.test();
    await assert.rejects(
      new HttpSource({ lookup: { url: `${base}/api/lookup?phone={e164}` }, mapping }, 'Bearer nope', loopback).test(),
      /HTTP 401 unauthorized/,
    );
  });

  directorySourceContract(
    'http',
    async () => ({
      source: source({ paging: { kind: 'page', pageSize: 250 }, totalPath: 'meta.total' }),
      count: TOTAL,
      sample: { externalId: 'c12', name: 'Person 12', numbers: ['+49 711 100012', '+49 711 300012', '+49 170 200012'] },
    }),
    { incremental: false },
  );

  test('bad settings are refused with the field', () => {
    const bad = (config: unknown, re: RegExp) =>
      assert.throws(() => new HttpSource(config as HttpSourceConfigInput), re);
    bad({ url: 'ftp://x/y', mapping }, /url: an http:\/\/ or https:\/\/ URL/);
    bad({ mapping }, /needs url \(sync\) or lookup \(live\)/);
    bad(
      { url: `${base}/x`, mapping: { ...mapping, company: 'account..name' } },
      /mapping\.company: path account\.\.name/,
    );
    bad({ url: `${base}/x`, mapping, lookup: { url: `${base}/lookup` } }, /lookup\.url: needs \{e164\} or \{raw\}/);
    bad({ url: `${base}/x`, mapping, paging: { kind: 'scroll' } }, /paging/);
    bad({ url: `${base}/x`, mapping, paging: { kind: 'cursor' } }, /paging\.nextPath/);
    bad(
      { url: `${base}/x`, mapping, headers: { authorization: 'Bearer plain' } },
      /headers\.authorization: put credentials in the secret/,
    );
  });

  test('redact hides passwords and key-like parameters', () => {
    assert.equal(
      redact('https://u:pw@crm.example.com/api?page=2&api_key=abc&access_token=t&q=x'),
      'https://u:***@crm.example.com/api?page=2&api_key=***&access_token=***&q=x',
    );
  });
});
