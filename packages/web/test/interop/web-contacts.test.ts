// Colleagues and favourites in the browser: every user sees the whole tenant (600+ people, paged
// and drawn a screenful at a time, searched on the server), favourites live on the server, move
// in from the old per-browser storage once, and follow the user into their other browsers live.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { browserForFile, sessionToken, signedIn, signIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  const group = (page: Page, name: 'favourites' | 'colleagues') => page.locator(`[data-group="${name}"]`);
  const row = (page: Page, name: 'favourites' | 'colleagues', address: string) =>
    group(page, name).locator(`[data-contact="${address}"]`);
  const presenceIn = (page: Page, name: 'favourites' | 'colleagues', address: string, availability: string) =>
    row(page, name, address).locator(`.presence[data-availability="${availability}"]`);

  test('bob sees all colleagues with presence; his favourites follow him into his other browser', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());

    // The tenant grows to 600+ people; one of them is disabled, one sorts last.
    const admin = await server.login('admin');
    const created: { local: string; id: string }[] = [];
    const people = [
      ...Array.from({ length: 600 }, (_, i) => ({
        local: `kim${i}`,
        displayName: `Kim ${String(i).padStart(3, '0')}`,
      })),
      { local: 'zoltan', displayName: 'Zoltan Zander' },
      { local: 'dora', displayName: 'Dora Disabled' },
    ];
    for (let i = 0; i < people.length; i += 25) {
      const batch = await Promise.all(
        people.slice(i, i + 25).map((body) => admin.api.request('admin.users.create', { body })),
      );
      created.push(...batch.map((r) => r.user));
    }
    const dora = created.find((u) => u.local === 'dora');
    assert.ok(dora);
    await admin.api.request('admin.users.update', { params: { id: dora.id }, body: { disabled: true } });
    const alice = await server.login('alice');
    await alice.api.request('presence.me.set', { query: {}, body: { availability: 'busy', note: 'in a workshop' } });

    // Bob's first browser still has favourites from before they lived on the server.
    const first = await browser().newContext({ baseURL: server.url, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    t.after(() => first.close());
    const a = await first.newPage();
    await a.goto('/');
    await a.evaluate(() =>
      localStorage.setItem(
        'parley.favourites.bob@example.test',
        JSON.stringify([
          { address: 'carol@example.test', name: 'Carol Clark', numbers: [], email: null },
          { address: 'gone@example.test', name: 'Gone', numbers: [], email: null },
        ]),
      ),
    );
    await signIn(a, 'bob@example.test', server.passwords.bob as string);
    await a.getByRole('link', { name: 'Contacts' }).click();

    // Carol came over from this browser's storage (the unknown entry was dropped), once.
    await row(a, 'favourites', 'carol@example.test').waitFor();
    const bob = server.api(await sessionToken(first));
    assert.deepEqual(
      (await bob.request('me.favourites.get', {})).favourites.map((f) => f.address),
      ['carol@example.test'],
    );
    assert.equal(await a.evaluate(() => localStorage.getItem('parley.favourites.bob@example.test')), null);

    // A plain user sees his colleagues, each with a live presence badge; not himself, not the disabled.
    await presenceIn(a, 'colleagues', 'alice@example.test', 'busy').filter({ hasText: 'in a workshop' }).waitFor();
    // The demo's system administrator runs the installation: no colleague (the list sorts them first).
    assert.equal(await row(a, 'colleagues', 'admin@example.test').count(), 0);
    await alice.api.request('presence.me.set', { query: {}, body: { availability: 'dnd' } });
    await presenceIn(a, 'colleagues', 'alice@example.test', 'dnd').waitFor();
    assert.equal(await a.locator('[data-contact="bob@example.test"]').count(), 0);

    // 600+ rows: only a screenful or so is drawn; scrolling draws more and loads the next pages.
    const rows = group(a, 'colleagues').locator('li');
    await rows.first().waitFor();
    const drawn = await rows.count();
    t.diagnostic(`${drawn} of ${await rows.first().getAttribute('aria-setsize')} rows drawn`);
    assert.ok(drawn < 80, `${drawn} rows drawn`);
    const zoltan = row(a, 'colleagues', 'zoltan@example.test');
    for (let i = 0; i < 60 && (await zoltan.count()) === 0; i++) {
      await a.locator('.sidebar-content').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await a.waitForTimeout(100);
    }
    await zoltan.waitFor();
    // alice, 600 × kim, zoltan: everyone but bob himself, carol (a favourite), dora and the system administrator.
    assert.equal(await zoltan.getAttribute('aria-setsize'), '602');
    assert.equal(await zoltan.getAttribute('aria-posinset'), '602');
    assert.ok((await rows.count()) < 80, 'still a screenful');
    await zoltan.locator('.presence[data-availability="offline"]').waitFor();

    // Bob's second browser: only the first page is loaded, so the search asks the server.
    const second = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string);
    t.after(() => second.context.close());
    const b = second.page;
    await b.getByRole('link', { name: 'Contacts' }).click();
    await row(b, 'favourites', 'carol@example.test').waitFor();
    const searched = b.waitForRequest((r) => r.url().includes('/api/v1/users?') && r.url().includes('q=zan'));
    await b.getByRole('searchbox', { name: 'Search colleagues' }).fill('zan');
    await searched;
    await row(b, 'colleagues', 'zoltan@example.test').waitFor();
    assert.equal(await group(b, 'colleagues').locator('li').count(), 1);
    await b.getByRole('searchbox', { name: 'Search colleagues' }).fill('dora');
    await b.getByText('Nobody matches “dora”.').waitFor();
    await b.getByRole('searchbox', { name: 'Search colleagues' }).fill('');
    await row(b, 'colleagues', 'alice@example.test').waitFor();

    // Bob stars alice in the first browser: the second shows her among his favourites, live.
    await a.locator('.sidebar-content').evaluate((el) => el.scrollTo(0, 0));
    await a.getByRole('button', { name: 'Add Alice Adams to favourites' }).click();
    await row(a, 'favourites', 'alice@example.test').waitFor();
    const start = Date.now();
    await row(b, 'favourites', 'alice@example.test').waitFor();
    t.diagnostic(`the second browser showed the new favourite after ${Date.now() - start} ms`);
    await presenceIn(b, 'favourites', 'alice@example.test', 'dnd').waitFor();
    assert.equal(await row(b, 'colleagues', 'alice@example.test').count(), 0, 'listed once');

    // After a reload, still there (from the server).
    await b.reload();
    await b.getByRole('link', { name: 'Contacts' }).click();
    await row(b, 'favourites', 'alice@example.test').waitFor();
    await row(b, 'favourites', 'carol@example.test').waitFor();
    assert.deepEqual(
      (await bob.request('me.favourites.get', {})).favourites.map((f) => f.address),
      ['carol@example.test', 'alice@example.test'],
    );

    // A change the server does not take is undone, with a message.
    await b.route('**/api/v1/me/favourites', (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'PARLEY_ERR_UNAVAILABLE', message: 'try later' } }),
          })
        : route.continue(),
    );
    await b.getByRole('button', { name: 'Remove Carol Clark from favourites' }).click();
    await b
      .getByRole('alert')
      .filter({ hasText: 'Your favourites could not be saved; the change was undone.' })
      .waitFor();
    await row(b, 'favourites', 'carol@example.test').waitFor();
    await b.unroute('**/api/v1/me/favourites');
    await b.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal(await b.getByRole('alert').count(), 0);

    // Unstarring in the second browser reaches the first one.
    await b.getByRole('button', { name: 'Remove Alice Adams from favourites' }).click();
    await row(a, 'colleagues', 'alice@example.test').waitFor();
    assert.equal(await row(a, 'favourites', 'alice@example.test').count(), 0);
    assert.equal(created.length, 602);
  });

  test('an answer about the favourites that a newer one overtook on its way changes nothing', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const context = await browser().newContext({ baseURL: server.url, locale: 'en-US' });
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto('/');
    await page.evaluate(() =>
      localStorage.setItem('parley.favourites.bob@example.test', JSON.stringify(['carol@example.test'])),
    );

    // The app asks for the favourites when it starts and again once its events are subscribed; the
    // first answer (none yet) is slow and arrives after carol moved in from this browser's storage.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slow: Request | undefined;
    await page.route('**/api/v1/me/favourites', async (route) => {
      if (route.request().method() !== 'GET' || slow) return route.continue();
      slow = route.request();
      const response = await route.fetch();
      await released;
      await route.fulfill({ response });
    });
    await signIn(page, 'bob@example.test', server.passwords.bob as string);
    await page.getByRole('link', { name: 'Contacts' }).click();
    await row(page, 'favourites', 'carol@example.test').waitFor();

    const arrived = page.waitForEvent('requestfinished', { predicate: (r) => r === slow });
    release();
    await arrived;
    // The page has read the late answer once its tasks queued meanwhile have run.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    assert.equal(await row(page, 'favourites', 'carol@example.test').count(), 1);
    const bob = server.api(await sessionToken(context));
    assert.deepEqual(
      (await bob.request('me.favourites.get', {})).favourites.map((f) => f.address),
      ['carol@example.test'],
    );
  });
}
