// A 1:1 with a user of another server started in the web app (issue 15): "New chat" takes an
// address on another domain and opens the external 1:1; a domain the administrators blocked is
// refused with the language file's text for its error code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsResponder } from '../../../server/test/support/dns-responder.js';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('"New chat" opens a 1:1 with a user of another server; a blocked domain says so', async (t) => {
    // No DNS answers here: nothing this test does connects to another server.
    const dns = await startDnsResponder(new Map());
    t.after(() => dns.close());
    const server = await startWebServer({ PARLEY_FEDERATION_DNS_SERVERS: dns.server });
    t.after(() => server.dispose());
    const admin = (await server.login('admin')).api;
    await admin.request('admin.federation.domain.set', {
      params: { domain: 'evil.example' },
      query: {},
      body: { level: 'blocked' },
    });
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const page = alice.page;
    const start = async (address: string) => {
      await page.getByRole('button', { name: 'New chat' }).click();
      const dialog = page.getByRole('dialog', { name: 'New chat' });
      await dialog.getByLabel('Address').fill(address);
      await dialog.getByRole('button', { name: 'Start chat' }).click();
      return dialog;
    };

    await start('bob@other.example');
    await page.waitForURL(/\/chats\/[^/]+$/);
    const head = page.locator('.thread-head');
    await head.getByRole('heading', { name: 'bob@other.example' }).waitFor();
    await head.getByText('on another server').waitFor();
    const id = new URL(page.url()).pathname.split('/').at(-1);
    const { api } = await server.login('alice');
    const c = await api.request('conversations.get', { params: { id: id as string } });
    assert.equal(c.external, 'bob@other.example');
    assert.equal(c.kind, 'direct');

    const dialog = await start('mallory@evil.example');
    await dialog
      .getByRole('alert')
      .filter({ hasText: 'Your administrators have blocked chats with users of that server.' })
      .waitFor();
    assert.equal(await dialog.isVisible(), true, 'the dialog stays open with the address');
    assert.equal(await dialog.getByLabel('Address').inputValue(), 'mallory@evil.example');
    const { conversations } = await api.request('conversations.list', { query: {} });
    assert.deepEqual(
      conversations.map((x) => x.external),
      ['bob@other.example'],
    );
  });
}
