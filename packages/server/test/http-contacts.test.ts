import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { matchesColleague } from '@parley/api';
import { listen } from './support/events.js';
import { assertError, call, sleep } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.stop());

interface ColleagueJson {
  id: string;
  address: string;
  displayName: string;
  email: string | null;
  numbers: string[];
}
interface PageJson {
  users: ColleagueJson[];
  cursor: string | null;
}

type Person = Awaited<ReturnType<TestServer['user']>>;

/** A user with a display name (and optionally e-mail and numbers), signed in. */
async function person(
  address: string,
  displayName: string,
  extra: { email?: string; numbers?: string[]; role?: 'user' | 'tenant-admin' } = {},
): Promise<Person> {
  const p = await t.user(address, extra.role ? { role: extra.role } : {});
  await t.core.users.update(p.tenantId, p.userId, {
    displayName,
    ...(extra.email && { email: extra.email }),
    ...(extra.numbers && { numbers: extra.numbers }),
  });
  return p;
}

async function page(token: string, query: string): Promise<PageJson> {
  const res = await call(t.url, 'GET', `/api/v1/users${query}`, { token });
  assert.equal(res.status, 200, res.text);
  return res.body as PageJson;
}

const names = (p: PageJson) => p.users.map((u) => u.displayName);

describe('GET /api/v1/users: colleagues for every signed-in user', () => {
  let bob: Person;
  before(async () => {
    // colleagues.test: the people the list is about; nosy.test: another tenant.
    bob = await person('bob@colleagues.test', 'Bob Baker');
    await person('alice@colleagues.test', 'alice Adams', { email: 'alice@mail.test', numbers: ['+49 711 100', '100'] });
    await person('joerg@colleagues.test', 'Jörg Müller');
    await person('zoe@colleagues.test', 'Zoë Zimmer');
    await person('anna.maria@colleagues.test', 'Anna-Maria Schmidt', { role: 'tenant-admin' });
    await person('emil_x@colleagues.test', 'Émile Bernard');
    const gone = await person('gone@colleagues.test', 'Anna Gone');
    await t.core.users.update(gone.tenantId, gone.userId, { disabled: true });
    await person('eve@nosy.test', 'Anna Eve');
  });

  test('a plain user sees the enabled users of their own tenant by name, without admin fields', async () => {
    const all = await page(bob.token, '');
    assert.deepEqual(names(all), [
      'alice Adams',
      'Anna-Maria Schmidt',
      'Bob Baker',
      'Émile Bernard',
      'Jörg Müller',
      'Zoë Zimmer',
    ]);
    assert.equal(all.cursor, null);
    const alice = all.users[0];
    assert.deepEqual(alice && Object.keys(alice).sort(), ['address', 'displayName', 'email', 'id', 'label', 'numbers']);
    assert.deepEqual(
      { address: alice?.address, email: alice?.email, numbers: alice?.numbers },
      { address: 'alice@colleagues.test', email: 'alice@mail.test', numbers: ['+49 711 100', '100'] },
    );
    assert.ok(!all.users.some((u) => u.address.endsWith('@nosy.test')), 'no other tenant');
    assert.ok(!all.users.some((u) => u.address === 'gone@colleagues.test'), 'no disabled user');
  });

  test('q: a prefix of each name word (case and accents ignored) or of the address', async () => {
    // Clients filter a list they hold with the same rule (`matchesColleague` of @parley/api).
    const everyone = (await page(bob.token, '')).users;
    const q = async (s: string) => {
      const found = names(await page(bob.token, `?q=${encodeURIComponent(s)}`));
      const local = everyone.filter((u) => matchesColleague({ name: u.displayName, address: u.address }, s));
      assert.deepEqual(names({ users: local, cursor: null }), found, `the client's rule for ${JSON.stringify(s)}`);
      return found;
    };
    assert.deepEqual(await q('bak'), ['Bob Baker']);
    assert.deepEqual(await q('BA'), ['Bob Baker']);
    assert.deepEqual(await q('maria'), ['Anna-Maria Schmidt'], 'a word after a dash');
    assert.deepEqual(await q('anna schm'), ['Anna-Maria Schmidt'], 'every word must match');
    assert.deepEqual(await q('anna bob'), []);
    assert.deepEqual(await q('muller'), ['Jörg Müller'], 'accents ignored');
    assert.deepEqual(await q('MÜL'), ['Jörg Müller']);
    assert.deepEqual(await q('emile'), ['Émile Bernard']);
    assert.deepEqual(await q('ber'), ['Émile Bernard']);
    assert.deepEqual(await q('ill'), [], 'only prefixes of words');
    assert.deepEqual(await q('joerg@'), ['Jörg Müller'], 'by address');
    assert.deepEqual(await q('anna.m'), ['Anna-Maria Schmidt']);
    assert.deepEqual(await q('emil_'), ['Émile Bernard']);
    assert.deepEqual(await q('_o'), [], 'an underscore is no wildcard');
    assert.deepEqual(await q('%'), [], 'a percent sign is no wildcard');
    assert.deepEqual(await q('eve'), [], 'not the other tenant');
    assert.deepEqual(await q('gone'), [], 'not a disabled user');
    assert.equal((await page(bob.token, '?q=')).users.length, 6, 'an empty q is everyone');
    assert.equal((await page(bob.token, '?q=%20%20')).users.length, 6, 'so is a blank one');
  });

  test('paging: a cursor walks the list in pages, with q too', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p: PageJson = await page(bob.token, `?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(p.users.length <= 4);
      seen.push(...names(p));
      cursor = p.cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 2);
    assert.deepEqual(seen, names(await page(bob.token, '')));

    const first = await page(bob.token, '?q=b&limit=1');
    assert.deepEqual(names(first), ['Bob Baker']);
    assert.ok(first.cursor);
    const second = await page(bob.token, `?q=b&limit=1&cursor=${first.cursor}`);
    assert.deepEqual(names(second), ['Émile Bernard']);
    assert.equal(second.cursor, null);
  });

  test('limits: q, limit and cursor are checked; signing in is required', async () => {
    const bad = async (query: string, path: string) => {
      const e = assertError(
        await call(t.url, 'GET', `/api/v1/users${query}`, { token: bob.token }),
        400,
        'PARLEY_ERR_VALIDATION',
      );
      assert.deepEqual(
        e.details?.map((d) => d.path),
        [path],
      );
    };
    await bad(`?q=${'a'.repeat(101)}`, 'query.q');
    await bad('?limit=501', 'query.limit');
    await bad('?limit=0', 'query.limit');
    await bad('?cursor=not%20a%20cursor', 'query.cursor');
    await bad('?cursor=bm90LWpzb24', 'query.cursor');
    await bad('?sort=name', 'query.sort');
    assertError(await call(t.url, 'GET', '/api/v1/users'), 401, 'PARLEY_ERR_UNAUTHENTICATED');
  });
});

describe('favourites on the server', () => {
  let ann: Person;
  let ben: Person;
  let cat: Person;
  let dan: Person;
  before(async () => {
    ann = await person('ann@fav.test', 'Ann Arbor');
    ben = await person('ben@fav.test', 'Ben Bloom');
    cat = await person('cat@fav.test', 'Cat Cole');
    dan = await person('dan@fav.test', 'Dan Dale');
    await person('zed@otherfav.test', 'Zed Other');
  });

  const get = async (p: Person) => {
    const res = await call(t.url, 'GET', '/api/v1/me/favourites', { token: p.token });
    assert.equal(res.status, 200, res.text);
    return (res.body as { favourites: ColleagueJson[] }).favourites.map((f) => f.address);
  };
  const put = (p: Person, favourites: unknown) =>
    call(t.url, 'PUT', '/api/v1/me/favourites', { token: p.token, body: { favourites } });

  test('round trip: in the given order, repeated ones once, addresses normalized', async () => {
    assert.deepEqual(await get(ann), []);
    const res = await put(ann, ['cat@fav.test', 'Ben@FAV.test', 'cat@fav.test']);
    assert.equal(res.status, 200, res.text);
    const body = res.body as { favourites: ColleagueJson[] };
    assert.deepEqual(
      body.favourites.map((f) => [f.address, f.displayName]),
      [
        ['cat@fav.test', 'Cat Cole'],
        ['ben@fav.test', 'Ben Bloom'],
      ],
    );
    assert.deepEqual(await get(ann), ['cat@fav.test', 'ben@fav.test']);
    assert.deepEqual(await get(ben), [], "each user's own");
    // Reordered, shortened, emptied.
    assert.equal((await put(ann, ['ben@fav.test', 'dan@fav.test', 'cat@fav.test'])).status, 200);
    assert.deepEqual(await get(ann), ['ben@fav.test', 'dan@fav.test', 'cat@fav.test']);
    assert.equal((await put(ann, ['dan@fav.test'])).status, 200);
    assert.deepEqual(await get(ann), ['dan@fav.test']);
    assert.equal((await put(ann, [])).status, 200);
    assert.deepEqual(await get(ann), []);
  });

  test('an unknown, foreign or disabled address is 400 naming the entry; nothing changes', async () => {
    assert.equal((await put(ann, ['ben@fav.test'])).status, 200);
    const refused = async (favourites: unknown[], path: string, text?: RegExp) => {
      const e = assertError(await put(ann, favourites), 400, 'PARLEY_ERR_VALIDATION');
      assert.deepEqual(
        e.details?.map((d) => d.path),
        [path],
      );
      if (text) assert.match(e.message, text);
      assert.deepEqual(await get(ann), ['ben@fav.test'], 'unchanged');
    };
    await refused(['cat@fav.test', 'zed@otherfav.test'], 'body.favourites.1', /zed@otherfav\.test/);
    await refused(['nobody@fav.test'], 'body.favourites.0', /nobody@fav\.test is not a colleague/);
    await refused(['cat@fav.test', 'someone@nowhere.test'], 'body.favourites.1');
    await refused(['cat@fav.test', 'not an address'], 'body.favourites.1');
    const e = assertError(
      await put(
        ann,
        Array.from({ length: 201 }, () => 'cat@fav.test'),
      ),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['body.favourites'],
    );
    assertError(
      await call(t.url, 'PUT', '/api/v1/me/favourites', { token: ann.token, body: { favourites: [], x: 1 } }),
      400,
      'PARLEY_ERR_VALIDATION',
    );
    assertError(await call(t.url, 'GET', '/api/v1/me/favourites'), 401, 'PARLEY_ERR_UNAUTHENTICATED');

    // A disabled colleague is refused, and hidden from the list until enabled again.
    await t.core.users.update(cat.tenantId, cat.userId, { disabled: true });
    await refused(['cat@fav.test'], 'body.favourites.0');
    await t.core.users.update(cat.tenantId, cat.userId, { disabled: false });
    assert.equal((await put(ann, ['ben@fav.test', 'cat@fav.test'])).status, 200);
    await t.core.users.update(cat.tenantId, cat.userId, { disabled: true });
    assert.deepEqual(await get(ann), ['ben@fav.test']);
    await t.core.users.update(cat.tenantId, cat.userId, { disabled: false });
    assert.deepEqual(await get(ann), ['ben@fav.test', 'cat@fav.test']);
  });

  test("removing a colleague removes them from everyone's favourites", async () => {
    const gus = await person('gus@fav.test', 'Gus Grey');
    assert.equal((await put(dan, ['gus@fav.test', 'ann@fav.test'])).status, 200);
    await t.core.users.remove(gus.tenantId, gus.userId);
    assert.deepEqual(await get(dan), ['ann@fav.test']);
  });

  test("a change reaches the user's other sockets as favourites.updated, and nobody else's", async () => {
    const { token: other } = await t.api.request('auth.login', {
      body: { user: 'ben@fav.test', password: ben.password },
    });
    const benElsewhere = await listen(t.url, other);
    const benHere = await listen(t.url, ben.token);
    const annSocket = await listen(t.url, ann.token);
    try {
      assert.equal((await put(ben, ['dan@fav.test', 'ann@fav.test'])).status, 200);
      const e = await benElsewhere.next('favourites.updated');
      assert.deepEqual(
        e.favourites.map((f) => [f.address, f.displayName]),
        [
          ['dan@fav.test', 'Dan Dale'],
          ['ann@fav.test', 'Ann Arbor'],
        ],
      );
      await benHere.next('favourites.updated', (x) => x.favourites.length === 2);
      // A refused change publishes nothing.
      assert.equal((await put(ben, ['zed@otherfav.test'])).status, 400);
      await sleep(200);
      assert.equal(benElsewhere.received.filter((x) => x.type === 'favourites.updated').length, 1);
      assert.equal(annSocket.received.filter((x) => x.type === 'favourites.updated').length, 0);
    } finally {
      benElsewhere.close();
      benHere.close();
      annSocket.close();
    }
  });
});

describe('the system administrator is no colleague', () => {
  test("one with an account in a tenant is not in its users' colleagues or favourites", async () => {
    const uma = await person('uma@sysadmin.test', 'Uma User');
    const ted = await person('ted@sysadmin.test', 'Ted Admin', { role: 'tenant-admin' });
    const root = await t.user('root@sysadmin.test', { role: 'system-admin' });
    assert.deepEqual(names(await page(uma.token, '')), ['Ted Admin', 'Uma User']);
    assert.deepEqual(names(await page(uma.token, '?q=root')), [], 'not found by address either');
    assert.deepEqual(names(await page(root.token, '')), ['Ted Admin', 'Uma User'], 'nor in their own list');

    const put = (favourites: string[]) =>
      call(t.url, 'PUT', '/api/v1/me/favourites', { token: uma.token, body: { favourites } });
    const e = assertError(await put(['ted@sysadmin.test', 'root@sysadmin.test']), 400, 'PARLEY_ERR_VALIDATION');
    assert.deepEqual(
      e.details?.map((d) => d.path),
      ['body.favourites.1'],
    );
    // A favourite who becomes system administrator leaves the list.
    assert.equal((await put(['ted@sysadmin.test'])).status, 200);
    await t.core.users.update(ted.tenantId, ted.userId, { role: 'system-admin' });
    const favourites = await call(t.url, 'GET', '/api/v1/me/favourites', { token: uma.token });
    assert.deepEqual((favourites.body as { favourites: ColleagueJson[] }).favourites, []);
    assert.deepEqual(names(await page(uma.token, '')), ['Uma User']);
  });
});
