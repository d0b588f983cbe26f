// The browser app when the server goes away and comes back: the banner, the automatic reconnect
// (backoff with jitter) and the catch-up of what was missed meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request } from 'playwright-core';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('losing the server: a banner, then reconnect and the missed messages appear', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const bob = await server.login('bob');
    const carol = await server.login('carol');
    const withBob = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    const withCarol = await carol.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'before the outage', clientId: 'b1' },
    });

    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page } = alice;
    await page.locator('[data-name="Bob Baker"]').getByRole('link').click();
    await page.locator('.msg.theirs', { hasText: 'before the outage' }).waitFor();

    await server.stop();
    const banner = page.getByTestId('connection-banner');
    await banner.waitFor();
    // A failed attempt: the banner counts down to the next one.
    await banner.filter({ hasText: /Connection to the server lost\. Reconnecting in \d+ s/ }).waitFor();

    // Hold the app's next reconnect until the missed messages exist, so they can only arrive by catch-up.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/v1/auth/ticket', async (route) => {
      await gate;
      await route.continue();
    });
    await server.start();
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'missed one', clientId: 'b2' },
    });
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'missed two', clientId: 'b3' },
    });
    await carol.api.request('messages.send', {
      params: { id: withCarol.id },
      body: { text: 'from carol', clientId: 'c1' },
    });
    assert.equal(await page.locator('.msg', { hasText: 'missed one' }).count(), 0);
    release();

    await banner.waitFor({ state: 'detached' });
    await page.locator('.msg.theirs', { hasText: 'missed one' }).waitFor();
    await page.locator('.msg.theirs', { hasText: 'missed two' }).waitFor();
    await page.locator('[data-name="Carol Clark"] .unread', { hasText: '1' }).waitFor();
    await page.unroute('**/api/v1/auth/ticket');

    // Live again: the message comes over the open socket, not with another reconnect (each one
    // fetches a ticket first).
    let tickets = 0;
    const countTickets = (r: Request) => {
      if (r.url().endsWith('/api/v1/auth/ticket')) tickets++;
    };
    page.on('request', countTickets);
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'after the outage', clientId: 'b4' },
    });
    await page.locator('.msg.theirs', { hasText: 'after the outage' }).waitFor();
    page.off('request', countTickets);
    assert.equal(tickets, 0, 'the message came without a reconnect');
    const texts = await page.locator('.msg.theirs .msg-text').allTextContents();
    assert.deepEqual(texts, ['before the outage', 'missed one', 'missed two', 'after the outage']);
  });

  test('a message written while the server is away waits, then goes by itself once it is back: in order, once each', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const bob = await server.login('bob');
    const withBob = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'hello alice', clientId: 'b1' },
    });

    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page } = alice;
    await page.locator('[data-name="Bob Baker"]').getByRole('link').click();
    await page.locator('.msg.theirs', { hasText: 'hello alice' }).waitFor();

    await server.stop();
    await page.getByTestId('connection-banner').waitFor();
    const composer = page.getByRole('textbox', { name: 'Message to Bob Baker' });
    for (const text of ['written offline one', 'written offline two']) {
      await composer.fill(text);
      await composer.press('Enter');
    }
    const waiting = page.locator('.msg.pending.waiting');
    await waiting.filter({ hasText: 'written offline two' }).waitFor();
    assert.equal(await waiting.count(), 2, 'both wait for the server');
    await waiting.first().getByText('Waiting for the connection; it goes once the server is back.').waitFor();
    // No error under the text box: waiting is not a failure, and no raw exception text is shown.
    assert.equal(await page.locator('.composer-error').count(), 0);
    assert.equal(await page.getByText('Failed to fetch').count(), 0);
    assert.equal(await page.getByText('Not sent.').count(), 0);

    await server.start();
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('.msg.mine:not(.pending)', { hasText: 'written offline two' }).waitFor();
    assert.equal(await page.locator('.msg.pending').count(), 0, 'nothing is left waiting');
    const mine = await page.locator('.msg.mine .msg-text').allTextContents();
    assert.deepEqual(mine, ['written offline one', 'written offline two']);

    // On the server: each once, in the order written.
    const { messages } = await bob.api.request('messages.list', { params: { id: withBob.id }, query: { limit: 50 } });
    assert.deepEqual(
      messages.toSorted((a, b) => a.seq - b.seq).map((m) => m.text),
      ['hello alice', 'written offline one', 'written offline two'],
    );
  });
}
