import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AbandonRequest,
  BindRequest,
  Control,
  ExtendedRequest,
  FilterParser,
  ModifyRequest,
  PagedResultsControl,
  SearchRequest,
  UnbindRequest,
} from 'ldapts';
import pino from 'pino';
import { ParleyError } from '../../core/errors.js';
import type { Candidate } from '../../directory/lookup.js';
import { decode, type Element, frameLength, Tag } from './ber.js';
import { type Binding, LdapSession, type SessionDeps } from './session.js';

const limits = {
  maxBytes: 65_536,
  maxDepth: 32,
  maxElements: 1000,
  maxEntries: 100,
  maxSeconds: 1,
  requestsPerSecond: 1000,
  maxPending: 4,
  maxPagedSearches: 2,
};

const candidate = (name: string): Candidate => ({
  name,
  givenName: null,
  surname: null,
  display: name,
  company: null,
  department: null,
  title: null,
  email: null,
  url: null,
  address: null,
  numbers: [],
  match: 'search',
  score: 50,
  uncertain: false,
  matched: null,
  source: 'crm',
  sources: ['crm'],
});

const binding: Binding = {
  tenantId: 't1',
  base: 'dc=example,dc=test',
  bases: new Set(['dc=example,dc=test']),
  name: 'Example',
  authzId: 'u:phonebook@example.test',
  viewer: null,
};

/** A directory of `n` contacts as the listing pages through it. */
const listOf =
  (n: number) =>
  async (from: number, count: number): Promise<{ candidates: Candidate[]; next: number | null }> => {
    const end = Math.min(n, from + count);
    const candidates = Array.from({ length: end - from }, (_, i) => candidate(`Person ${from + i}`));
    return { candidates, next: end < n ? end : null };
  };

/**
 * A session whose answers are read back as [messageID, op tag, result code or entry DN];
 * `writes` counts the socket writes (a search's entries and its SearchResultDone are one).
 */
function session(
  options: {
    search?: (text: string, limit: number, infix: boolean) => Promise<Candidate[]>;
    list?: (from: number, count: number) => Promise<{ candidates: Candidate[]; next: number | null }>;
    now?: () => number;
  } = {},
) {
  const sent: Element[] = [];
  const writes = { count: 0 };
  let closed = false;
  const deps: SessionDeps = {
    bind: async (name, password) => {
      if (password === 'throttled') throw new ParleyError('PARLEY_ERR_TOO_MANY_REQUESTS', undefined, undefined, 30);
      if (name !== 'phonebook@example.test' || password !== 'secret')
        throw new ParleyError('PARLEY_ERR_INVALID_CREDENTIALS');
      return binding;
    },
    phonebook: () => ({
      lookup: async () => null,
      search: options.search ?? (async () => Array.from({ length: 7 }, (_, i) => candidate(`Max Muster${i}`))),
      list: options.list ?? listOf(10),
    }),
    send: (bytes) => {
      writes.count++;
      for (let rest = bytes; rest.length > 0; ) {
        const n = frameLength(rest, limits.maxBytes) ?? rest.length;
        sent.push(decode(rest.subarray(0, n), limits));
        rest = rest.subarray(n);
      }
    },
    close: () => {
      closed = true;
    },
    startTls: null,
    tls: false,
    limits,
    now: options.now ?? (() => 0),
    log: pino({ level: 'silent' }),
  };
  const s = new LdapSession(deps);
  const read = () =>
    sent.splice(0).map((m) => {
      const [id, op, ...controls] = m.children ?? [];
      const first = op?.children?.[0];
      const summary =
        first?.tag === Tag.enumerated ? first.value.readIntBE(0, first.value.length) : first?.value.toString();
      const cookie = controls[0]?.children?.[0]?.children?.[1]?.value;
      const paging = cookie ? decode(cookie, limits).children?.[1]?.value.toString('hex') : undefined;
      return [id?.value.readIntBE(0, id.value.length), op?.tag, summary, ...(paging === undefined ? [] : [paging])];
    });
  /** Waits (a turn at a time, bounded) until the SearchResultDone of `id` has been sent. */
  const done = async (id: number) => {
    const isDone = (m: Element) =>
      m.children?.[1]?.tag === 0x65 && m.children[0]?.value.readIntBE(0, m.children[0].value.length) === id;
    for (let i = 0; i < 10_000 && !sent.some(isDone); i++) await settle();
  };
  return { s, read, done, writes, closed: () => closed };
}

const settle = () => new Promise((r) => setImmediate(r));
const bind = (id: number, password = 'secret') =>
  new BindRequest({ messageId: id, dn: 'phonebook@example.test', password }).write();
const searchFor = (id: number, filter: string, extra: Record<string, unknown> = {}) =>
  new SearchRequest({
    messageId: id,
    baseDN: 'dc=example,dc=test',
    filter: FilterParser.parseString(filter),
    ...extra,
  }).write();
const paged = (size: number, cookie: Buffer = Buffer.alloc(0)) => new PagedResultsControl({ value: { size, cookie } });

describe('LDAP session', () => {
  test('binds: simple only, v3 only, no unauthenticated binds, wrong and throttled credentials', async () => {
    const { s, read } = session();
    const requests = [
      new BindRequest({ messageId: 1, dn: 'x', mechanism: 'PLAIN' }).write(),
      bind(2, ''),
      bind(3, 'wrong'),
      bind(4, 'throttled'),
      bind(5),
    ];
    for (const r of requests) {
      s.receive(r);
      await settle();
    }
    assert.deepEqual(read(), [
      [1, 0x61, 7],
      [2, 0x61, 53],
      [3, 0x61, 49],
      [4, 0x61, 53],
      [5, 0x61, 0],
    ]);
  });

  test('search needs a bind; the root DSE does not', async () => {
    const { s, read } = session();
    s.receive(searchFor(1, '(cn=max*)'));
    s.receive(
      new SearchRequest({
        messageId: 2,
        baseDN: '',
        scope: 'base',
        filter: FilterParser.parseString('(objectClass=*)'),
      }).write(),
    );
    await settle();
    assert.deepEqual(read(), [
      [1, 0x65, 50],
      [2, 0x64, ''],
      [2, 0x65, 0],
    ]);
  });

  test('paged results: pages of 3 with cookies, the last with an empty one; a spent cookie is refused', async () => {
    const { s, read } = session();
    s.receive(bind(1));
    await settle();
    read();
    s.receive(searchFor(2, '(cn=max*)', { controls: [paged(3)] }));
    await settle();
    const first = read();
    assert.deepEqual(
      first.slice(0, 3).map((m) => m[1]),
      [0x64, 0x64, 0x64],
    );
    const cookie = Buffer.from(first[3]?.[3] as string, 'hex');
    assert.equal(cookie.length, 8);
    s.receive(searchFor(3, '(cn=max*)', { controls: [paged(3, cookie)] }));
    await settle();
    const second = read();
    assert.equal(second.length, 4);
    s.receive(searchFor(4, '(cn=max*)', { controls: [paged(3, Buffer.from(second[3]?.[3] as string, 'hex'))] }));
    await settle();
    assert.deepEqual(read(), [
      [4, 0x64, 'cn=Max Muster6,dc=example,dc=test'],
      [4, 0x65, 0, ''],
    ]);
    s.receive(searchFor(5, '(cn=max*)', { controls: [paged(3, cookie)] }));
    await settle();
    assert.deepEqual(read(), [[5, 0x65, 53]]);
  });

  test('size and time limits, critical controls, writes, extended operations, abandon', async () => {
    let release: (v: Candidate[]) => void = () => undefined;
    const { s, read } = session({
      search: (text) =>
        text === 'slow'
          ? new Promise<Candidate[]>((r) => {
              release = r;
            })
          : Promise.resolve(Array.from({ length: 7 }, (_, i) => candidate(`Max ${i}`))),
    });
    s.receive(bind(1));
    await settle();
    read();
    s.receive(searchFor(2, '(cn=max*)', { sizeLimit: 2 }));
    await settle();
    assert.deepEqual(
      read().map((m) => m[2]),
      ['cn=Max 0,dc=example,dc=test', 'cn=Max 1,dc=example,dc=test', 4],
    );
    s.receive(searchFor(3, '(cn=max*)', { controls: [new Control('1.2.3.4', { critical: true })] }));
    s.receive(searchFor(4, '(cn=max*)', { sizeLimit: 1, controls: [new Control('1.2.3.4')] }));
    s.receive(new ModifyRequest({ messageId: 5, dn: 'cn=x,dc=example,dc=test', changes: [] }).write());
    s.receive(new ExtendedRequest({ messageId: 6, oid: '1.2.3.4' }).write());
    s.receive(new ExtendedRequest({ messageId: 7, oid: '1.3.6.1.4.1.4203.1.11.3' }).write());
    await settle();
    assert.deepEqual(
      read().map((m) => m.slice(0, 3)),
      [
        [3, 0x65, 12],
        [5, 0x67, 53],
        [6, 0x78, 2],
        [7, 0x78, 0],
        [4, 0x64, 'cn=Max 0,dc=example,dc=test'],
        [4, 0x65, 4],
      ],
    );
    s.receive(searchFor(8, '(cn=slow*)', { timeLimit: 1 }));
    s.receive(searchFor(9, '(cn=slow*)'));
    s.receive(new AbandonRequest({ messageId: 10, abandonId: 9 }).write());
    await new Promise((r) => setTimeout(r, 1100));
    release([candidate('Slow')]);
    await settle();
    assert.deepEqual(read(), [[8, 0x65, 3]], 'the abandoned search 9 gets no answer');
  });

  test('a search is one write: its entries and its SearchResultDone together', async () => {
    const { s, read, writes } = session();
    s.receive(bind(1));
    await settle();
    read();
    writes.count = 0;
    s.receive(searchFor(2, '(cn=max*)'));
    await settle();
    assert.equal(read().length, 8);
    assert.equal(writes.count, 1);
  });

  test('infix substrings ask the word search once per text, then match exactly', async () => {
    const asked: [string, boolean][] = [];
    const { s, read } = session({
      search: async (text, _limit, infix) => {
        asked.push([text, infix]);
        return ['Anna Obermeier', 'Meierhof Klaus', 'Max Mustermann'].map(candidate);
      },
    });
    s.receive(bind(1));
    await settle();
    read();
    s.receive(searchFor(2, '(|(cn=*meier*)(mail=*meier*))'));
    await settle();
    assert.deepEqual(asked, [['meier', true]]);
    assert.deepEqual(
      read().map((m) => m[2]),
      ['cn=Anna Obermeier,dc=example,dc=test', 'cn=Meierhof Klaus,dc=example,dc=test', 0],
    );
  });

  // [filter, request, what is read back: entry count and result code per page]
  const listings: [string, Record<string, unknown>, [number, number][]][] = [
    ['(objectClass=inetOrgPerson)', { sizeLimit: 3 }, [[3, 4]]],
    ['(objectClass=inetOrgPerson)', {}, [[10, 0]]],
    ['(&(objectClass=person)(!(cn=Person 4)))', { sizeLimit: 20 }, [[9, 0]]],
    // What Yealink and Snom send to browse the phone book, with the paged results control.
    [
      '(|(cn=*)(sn=*))',
      { paged: 4 },
      [
        [4, 0],
        [4, 0],
        [2, 0],
      ],
    ],
    // The base entry (an organization) is in the subtree too.
    ['(objectClass=*)', {}, [[11, 0]]],
    [
      '(objectClass=*)',
      { paged: 6, sizeLimit: 8 },
      [
        [6, 0],
        [2, 4],
      ],
    ],
  ];
  for (const [filter, { paged: size, ...extra }, pages] of listings) {
    test(`a filter with no number or name lists the directory: ${filter} ${JSON.stringify({ size, ...extra })}`, async () => {
      const { s, read, done } = session({ list: listOf(10) });
      s.receive(bind(1));
      await settle();
      read();
      const got: [number, number][] = [];
      let cookie: Buffer | undefined;
      for (let id = 2; id < 10; id++) {
        const controls = size === undefined ? [] : [paged(size as number, cookie)];
        s.receive(searchFor(id, filter, { ...extra, controls }));
        await done(id);
        const answer = read();
        const last = answer.at(-1) ?? [];
        got.push([answer.length - 1, last[2] as number]);
        cookie = last[3] ? Buffer.from(last[3] as string, 'hex') : undefined;
        if (!cookie || cookie.length === 0) break;
      }
      assert.deepEqual(got, pages);
    });
  }

  test('a request budget per second, then busy; unbind closes', async () => {
    let now = 0;
    const { s, read, closed } = session({ now: () => now });
    for (let i = 1; i <= 1001; i++) s.receive(new ExtendedRequest({ messageId: i, oid: '1.2.3' }).write());
    await settle();
    assert.deepEqual(read().at(-1), [1001, 0x78, 51]);
    now = 1000;
    s.receive(new ExtendedRequest({ messageId: 1002, oid: '1.2.3' }).write());
    await settle();
    assert.deepEqual(read(), [[1002, 0x78, 2]]);
    s.receive(new UnbindRequest({ messageId: 1003 }).write());
    assert.equal(closed(), true);
  });
});
