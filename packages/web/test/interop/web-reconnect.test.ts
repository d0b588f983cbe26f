// The browser app when the server goes away and comes back: the banner, the automatic reconnect
// (backoff with jitter) and the catch-up of what was missed meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
    await banner.waitFor({ timeout: 5000 });
    // A failed attempt: the banner counts down to the next one.
    await banner
      .filter({ hasText: /Connection to the server lost\. Reconnecting in \d+ s/ })
      .waitFor({ timeout: 10_000 });

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

    await banner.waitFor({ state: 'detached', timeout: 20_000 });
    await page.locator('.msg.theirs', { hasText: 'missed one' }).waitFor({ timeout: 10_000 });
    await page.locator('.msg.theirs', { hasText: 'missed two' }).waitFor({ timeout: 5000 });
    await page.locator('[data-name="Carol Clark"] .unread', { hasText: '1' }).waitFor({ timeout: 5000 });
    await page.unroute('**/api/v1/auth/ticket');

    // Live again.
    await bob.api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'after the outage', clientId: 'b4' },
    });
    await page.locator('.msg.theirs', { hasText: 'after the outage' }).waitFor({ timeout: 2000 });
    const texts = await page.locator('.msg.theirs .msg-text').allTextContents();
    assert.deepEqual(texts, ['before the outage', 'missed one', 'missed two', 'after the outage']);
  });
}
