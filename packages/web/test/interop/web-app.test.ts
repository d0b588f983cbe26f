// The browser app end to end: a real server (its own process, fresh data folder, demo tenant)
// serving the production build, and Debian's Chromium driven by playwright-core.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserForFile, sessionToken, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  const presenceOf = (page: Page, address: string, availability: string) =>
    page.locator(`[data-contact="${address}"] .presence[data-availability="${availability}"]`);

  test('sign-in errors (throttling too), staying signed in across a reload, signing out', async (t) => {
    const server = await startWebServer({
      PARLEY_AUTH_THROTTLE_MAX_FAILURES: '2',
      PARLEY_AUTH_THROTTLE_BASE_DELAY_SECONDS: '2',
    });
    t.after(() => server.dispose());
    const context = await browser().newContext({ baseURL: server.url, locale: 'en-US' });
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto('/');
    const submit = page.getByRole('button', { name: 'Sign in' });
    const error = page.getByTestId('signin-error');

    await page.getByLabel('Address').fill('alice@example.test');
    await page.getByLabel('Password').fill('not-her-password');
    await submit.click();
    await error.filter({ hasText: 'Wrong address or password.' }).waitFor();

    // Further failures lock the account for a while; the page says for how long.
    let throttled = false;
    for (let i = 0; i < 4 && !throttled; i++) {
      const res = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/cookie'));
      await submit.click();
      throttled = (await res).status() === 429;
    }
    assert.ok(throttled, 'the server throttled the failed sign-ins');
    await error.filter({ hasText: /Too many failed attempts\. Try again in [12] s\./ }).waitFor();
    assert.equal(await submit.isDisabled(), true, 'no attempt while throttled');

    // The same page in German.
    await page.getByLabel('Language').selectOption('de');
    await page.getByRole('heading', { name: 'Bei Parley anmelden' }).waitFor();
    await error.filter({ hasText: /Zu viele Fehlversuche\./ }).waitFor();
    await page.getByLabel('Sprache').selectOption('en');

    await page.getByLabel('Password').fill(server.passwords.alice as string);
    await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).click();
    await page.getByRole('button', { name: /^Your presence: / }).waitFor();

    // A reload keeps the session (an HttpOnly cookie, checked with /api/v1/me); no secret is in localStorage.
    const checked = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.status() === 200);
    await page.reload();
    await checked;
    await page.getByRole('button', { name: /^Your presence: / }).waitFor();
    assert.equal(await page.getByLabel('Password').count(), 0);

    // The session revoked elsewhere ends here at once (the event socket closes with 4401).
    const token = await sessionToken(page.context());
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    assert.equal(stored.includes(token), false, 'the session token is not in localStorage');
    assert.equal(
      await page.evaluate(() => document.cookie.includes('parley_session')),
      false,
      'nor readable by scripts',
    );
    await server.api(token).request('auth.logout', {});
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    assert.equal(await page.getByLabel('Address').inputValue(), 'alice@example.test', 'the address is remembered');
    await page.getByLabel('Password').fill(server.passwords.alice as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /^Your presence: / }).waitFor();

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
  });

  test('bob changes his presence; alice sees it pushed, without reloading', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    const bob = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string);
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));

    // Alice finds Bob in the directory and keeps him as a favourite.
    await alice.page.getByRole('link', { name: 'Contacts' }).click();
    await alice.page.getByRole('searchbox', { name: 'Search colleagues' }).fill('bob');
    await alice.page.getByRole('button', { name: 'Add Bob Baker to favourites' }).click();
    await alice.page.getByRole('searchbox', { name: 'Search colleagues' }).fill('');
    await alice.page.getByRole('heading', { name: 'Favourites' }).waitFor();
    await presenceOf(alice.page, 'bob@example.test', 'available').waitFor();

    await bob.page.getByRole('button', { name: /^Your presence: / }).click();
    const dialog = bob.page.getByRole('dialog', { name: 'Your presence' });
    await dialog.getByRole('radio', { name: 'Busy' }).check();
    await dialog.getByLabel('Note').fill('in a workshop');
    await dialog.getByLabel('Where').selectOption('home-office');
    const saved = bob.page.waitForResponse(
      (r) => r.url().includes('/api/v1/me/presence') && r.request().method() === 'PUT',
    );
    await dialog.getByRole('button', { name: 'Save' }).click();
    assert.equal((await saved).status(), 200);
    // Alice's page asks again only after a reconnect: the pushed event is what shows the change. The
    // wait's bound only tells a failure from a hang; how long it took is reported.
    const start = Date.now();
    await presenceOf(alice.page, 'bob@example.test', 'busy').waitFor({ timeout: 30_000 });
    t.diagnostic(`alice saw bob busy ${Date.now() - start} ms after his change was stored`);
    // The server's text for the new state follows (in alice's language).
    await presenceOf(alice.page, 'bob@example.test', 'busy').filter({ hasText: 'in a workshop' }).waitFor();
    // Bob's selector shows the computed result.
    await dialog.getByTestId('computed-presence').filter({ hasText: 'in a workshop' }).waitFor();

    await dialog.getByRole('button', { name: 'Reset to automatic' }).click();
    await presenceOf(alice.page, 'bob@example.test', 'available').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Favourites stay across a reload.
    await alice.page.reload();
    await presenceOf(alice.page, 'bob@example.test', 'available').waitFor();
  });

  test('alice and bob chat both ways, live, with unread counts and read receipts', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    // Bob is on a phone-sized screen.
    const bob = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string, {
      viewport: { width: 375, height: 740 },
    });
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));

    await alice.page.getByRole('link', { name: 'Contacts' }).click();
    await alice.page.getByRole('searchbox', { name: 'Search colleagues' }).fill('bob');
    await alice.page.locator('[data-contact="bob@example.test"] .row-main').click();
    const aliceComposer = alice.page.getByRole('textbox', { name: 'Message to Bob Baker' });
    await aliceComposer.fill('Hello Bob!');
    await aliceComposer.press('Enter');
    const aliceMessage = alice.page.locator('.msg.mine', { hasText: 'Hello Bob!' });
    await aliceMessage.locator('[data-receipt="sent"], [data-receipt="delivered"]').first().waitFor();

    // Bob's list shows the new conversation with one unread message; his app confirms delivery.
    const bobRow = bob.page.locator('[data-name="Alice Adams"]');
    await bobRow.locator('.unread', { hasText: '1' }).waitFor();
    await aliceMessage.locator('[data-receipt="delivered"]').waitFor();
    await bob.page.getByRole('link', { name: 'Chats, 1 unread' }).waitFor();

    await bobRow.getByRole('link').click();
    await bob.page.locator('.msg.theirs', { hasText: 'Hello Bob!' }).waitFor();
    await aliceMessage.locator('[data-receipt="read"]').waitFor();

    // Bob starts typing, then answers; alice has the conversation open and reads it at once.
    const bobComposer = bob.page.getByRole('textbox', { name: 'Message to Alice Adams' });
    await bobComposer.pressSequentially('Hi Alice');
    await alice.page.getByText('Bob Baker is typing…').waitFor();
    await bobComposer.pressSequentially(', how are you?');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await alice.page.locator('.msg.theirs', { hasText: 'Hi Alice, how are you?' }).waitFor();
    await bob.page
      .locator('.msg.mine', { hasText: 'Hi Alice, how are you?' })
      .locator('[data-receipt="read"]')
      .waitFor();
    await alice.page.getByText('Bob Baker is typing…').waitFor({ state: 'detached' });
    assert.equal(await alice.page.locator('[data-name="Bob Baker"] .unread').count(), 0);

    // The conversation has its own address: a reload opens it again (the server serves the app there).
    assert.match(alice.page.url(), /\/chats\/[^/]+$/);
    await alice.page.reload();
    await alice.page.locator('.msg.theirs', { hasText: 'Hi Alice, how are you?' }).waitFor();
    await alice.page.locator('.msg.mine', { hasText: 'Hello Bob!' }).locator('[data-receipt="read"]').waitFor();
  });

  test('history: older pages load when scrolling up', async (t) => {
    // 120 messages in a row: more than the default rate limit lets one user send at once.
    const server = await startWebServer({ PARLEY_MESSAGING_RATE_LIMIT_BURST: '200' });
    t.after(() => server.dispose());
    const carol = await server.login('carol');
    const { id } = await carol.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    for (let i = 1; i <= 120; i++) {
      await carol.api.request('messages.send', { params: { id }, body: { text: `message ${i}`, clientId: `m${i}` } });
    }
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const row = alice.page.locator('[data-name="Carol Clark"]');
    await row.locator('.unread', { hasText: '120' }).waitFor();
    await row.getByRole('link').click();
    const messages = alice.page.getByRole('log', { name: 'Messages with Carol Clark' });
    await messages.locator('.msg', { hasText: /^Carol Clark: message 120/ }).waitFor();
    assert.equal(await messages.locator('.msg').count(), 50, 'one page at first');

    for (let i = 0; i < 20 && (await messages.locator('.msg').count()) < 120; i++) {
      await messages.evaluate((el) => {
        el.scrollTop = 0;
      });
      await alice.page.waitForTimeout(100);
    }
    assert.equal(await messages.locator('.msg').count(), 120);
    assert.equal(await messages.locator('.msg-text').first().textContent(), 'message 1');
    await messages.getByText('This is the beginning of the conversation.').waitFor();
    assert.equal(await row.locator('.unread').count(), 0, 'read once opened');
  });
}
