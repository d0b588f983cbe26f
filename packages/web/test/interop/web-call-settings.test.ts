// Call settings in the browser: alice switches do not disturb on in her settings and bob sees it in
// her presence at once; a forwarding target that is her own line is refused at its field, another
// number is saved; a change made elsewhere (her other session over the API, as a CTI application
// would) shows in the open panel without a reload; the panel speaks German too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

const openSettings = async (page: Page) => {
  await page.getByRole('button', { name: 'Settings' }).click();
  const panel = page.getByRole('dialog', { name: 'Settings' }).getByTestId('call-settings');
  await panel.getByRole('heading', { name: 'Calls' }).waitFor();
  return panel;
};

if (!skipped) {
  const browser = browserForFile();

  test('DND shows in presence; forwarding refuses her own line and saves a number; changes elsewhere show live', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const admin = await server.login('admin');
    await admin.api.request('admin.lines.create', { body: { number: '201', user: 'alice@example.test' } });
    const aliceApi = (await server.login('alice')).api;

    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    const bob = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string);
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));
    await bob.page.getByRole('link', { name: 'Contacts' }).click();
    const alicePresence = (availability: string) =>
      bob.page.locator(`[data-contact="alice@example.test"] .presence[data-availability="${availability}"]`);
    await alicePresence('available').waitFor();

    // Do not disturb: switched at once, and bob sees it.
    const panel = await openSettings(alice.page);
    const dnd = panel.getByRole('checkbox', { name: 'Do not disturb' });
    assert.equal(await dnd.isChecked(), false);
    await dnd.check();
    await panel.getByTestId('calls-dnd-status').filter({ hasText: 'Do not disturb is on.' }).waitFor();
    await alicePresence('dnd').waitFor();
    assert.deepEqual(await aliceApi.request('me.dnd.get', {}), { enabled: true });

    // Busy forwarding to her own line: refused at the field, nothing saved.
    const busy = panel.locator('form[data-rule="busy"]');
    await busy.getByRole('checkbox', { name: 'On' }).check();
    const to = busy.getByLabel('Forward to');
    await to.fill('201');
    await busy.getByRole('button', { name: 'Save' }).click();
    await busy.locator('.field-error').filter({ hasText: 'not one of your own lines' }).waitFor();
    assert.equal(await to.getAttribute('aria-invalid'), 'true');
    assert.deepEqual((await aliceApi.request('me.forwarding.get', {})).busy, { enabled: false, to: null });

    // Another number is saved as typed.
    await to.fill(' 0170 1234567 ');
    await busy.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('calls-busy-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual((await aliceApi.request('me.forwarding.get', {})).busy, { enabled: true, to: '0170 1234567' });
    assert.equal(await to.inputValue(), '0170 1234567');

    // Changed elsewhere: immediate forwarding on, DND off; the open panel follows, bob sees the flag.
    await aliceApi.request('me.forwarding.set', { body: { immediate: { enabled: true, to: 'bob@example.test' } } });
    await aliceApi.request('me.dnd.set', { body: { enabled: false } });
    const immediate = panel.locator('form[data-rule="immediate"]');
    await immediate.locator('input[value="bob@example.test"]').waitFor();
    assert.equal(await immediate.getByRole('checkbox', { name: 'On' }).isChecked(), true);
    await panel.locator('.call-dnd input[type="checkbox"]:not(:checked)').waitFor();
    await alicePresence('available').waitFor();
    await bob.page.locator('[data-contact="alice@example.test"]').filter({ hasText: 'calls forwarded' }).waitFor();

    // Remote office and no-answer bounds.
    const remote = panel.locator('form[data-rule="remoteOffice"]');
    await remote.getByRole('checkbox', { name: 'On' }).check();
    await remote.getByLabel('Number').fill('+49 170 7654321');
    await remote.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('calls-remoteOffice-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual(await aliceApi.request('me.remoteOffice.get', {}), { enabled: true, number: '+49 170 7654321' });
    // No answer: the browser keeps the wait within its bounds before anything is sent.
    const noAnswer = panel.locator('form[data-rule="noAnswer"]');
    const seconds = noAnswer.getByLabel('After (seconds)');
    assert.equal(await seconds.inputValue(), '20');
    await noAnswer.getByRole('checkbox', { name: 'On' }).check();
    await noAnswer.getByLabel('Forward to').fill('carol@example.test');
    await seconds.fill('200');
    await noAnswer.getByRole('button', { name: 'Save' }).click();
    assert.equal(await seconds.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow), true);
    await seconds.fill('45');
    await noAnswer.getByRole('button', { name: 'Save' }).click();
    await panel.getByTestId('calls-noAnswer-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual((await aliceApi.request('me.forwarding.get', {})).noAnswer, {
      enabled: true,
      to: 'carol@example.test',
      afterSeconds: 45,
    });

    // In German.
    await alice.page.keyboard.press('Escape');
    const sheet = alice.page.getByRole('dialog', { name: 'Settings' });
    await sheet.waitFor({ state: 'hidden' });
    await alice.page.getByRole('button', { name: 'Settings' }).click();
    await sheet.getByLabel('Language').selectOption('de');
    const german = alice.page.getByRole('dialog', { name: 'Einstellungen' }).getByTestId('call-settings');
    await german.getByRole('heading', { name: 'Anrufe' }).waitFor();
    await german.getByRole('group', { name: 'Alle Anrufe umleiten' }).waitFor();
    await german.getByRole('checkbox', { name: 'Bitte nicht stören' }).waitFor();
  });
}
