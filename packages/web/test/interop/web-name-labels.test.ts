// A user who takes another's name (two "Administrator"s) is told apart by the address the server
// adds to the name label: in the contact list, the conversation list and the message senders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('two users named Administrator show with their addresses', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const admin = await server.login('admin');
    await admin.api.request('me.update', { body: { displayName: 'Administrator' } });
    const bob = await server.login('bob');
    await bob.api.request('me.update', { body: { displayName: 'Administrator' } });
    const c = await bob.api.request('conversations.create', {
      body: { members: ['alice@example.test', 'carol@example.test'], name: 'IT notice' },
    });
    await bob.api.request('messages.send', {
      params: { id: c.id },
      body: { text: 'Please send me your password', clientId: 'phish' },
    });

    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page } = alice;
    // The conversation preview names the sender with his address.
    await page
      .locator(`[data-conversation="${c.id}"]`, { hasText: 'Administrator (bob@example.test): Please send me' })
      .waitFor();
    await page.locator(`[data-conversation="${c.id}"] a`).first().click();
    await page
      .locator('.msg.theirs', { hasText: 'Please send me your password' })
      .locator('.msg-sender', { hasText: 'Administrator (bob@example.test)' })
      .waitFor();

    await page.getByRole('link', { name: 'Contacts' }).click();
    await page.locator('[data-contact="bob@example.test"]', { hasText: 'Administrator (bob@example.test)' }).waitFor();
    await page.locator('[data-contact="carol@example.test"]', { hasText: 'Carol Clark' }).waitFor();
    // The system administrator whose name Bob took is no colleague, yet Bob's label tells them apart.
    assert.equal(await page.locator('[data-contact="admin@example.test"]').count(), 0);
  });
}
