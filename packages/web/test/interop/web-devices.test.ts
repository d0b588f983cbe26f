// SIP devices in the browser: a user adds a desk phone in their settings and sees what it needs
// (server, user name and a generated password) once; the server holds the digest of exactly that
// password; after a reload the password is nowhere; a new password replaces the stored digest;
// removing empties the list. An administrator sees and adds a user's devices in the user editor,
// and a tenant admin is told why a system administrator's devices are not theirs to see.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { browserForFile, sessionToken, signedIn } from '../support/browser.js';
import { md5Ha1, storedHa1 } from '../support/core.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

/** Everything of the page a password could hide in: its markup, its inputs' values and its storage. */
async function pageText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [
      document.documentElement.outerHTML,
      ...Array.from(document.querySelectorAll('input'), (i) => i.value),
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
    ].join('\n'),
  );
}

const openSettings = async (page: Page) => {
  await page.getByRole('button', { name: 'Settings' }).click();
  const sheet = page.getByRole('dialog', { name: 'Settings' });
  await sheet.getByRole('heading', { name: 'Phones and devices' }).waitFor();
  return sheet;
};

if (!skipped) {
  const browser = browserForFile();

  test('a user adds a phone, sees its password once (the server holds its digest), gives it a new one, removes it', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string, {
      viewport: { width: 375, height: 740 },
    });
    const contexts: BrowserContext[] = [alice.context];
    t.after(() => Promise.all(contexts.map((c) => c.close())));
    const { page } = alice;

    let sheet = await openSettings(page);
    const devices = sheet.getByTestId('devices');
    await devices.getByText('No devices yet.').waitFor();
    await devices.getByLabel('Device name').fill('Desk phone');
    await devices.getByRole('button', { name: 'Add device' }).click();

    // The one-time panel: focused, with the server, the user name and the password, each to copy.
    const panel = devices.getByRole('region', { name: 'Set up Desk phone' });
    await panel.waitFor();
    assert.equal(await panel.evaluate((el) => el === document.activeElement), true, 'the panel has the focus');
    await panel.getByText('The password will not be shown again', { exact: false }).waitFor();
    for (const what of ['SIP server (registrar, realm)', 'User name', 'Password'])
      await panel.getByRole('button', { name: `Copy ${what}` }).waitFor();
    const password = (await panel.getByTestId('device-password').textContent()) ?? '';
    assert.match(password, /^[A-Za-z0-9]{20,}$/);
    assert.notEqual(password, server.passwords.alice);

    // The list has it: name, SIP user name, realm; the API agrees, and never names the password.
    const api = server.api(await sessionToken(alice.context));
    const listed = (await api.request('me.devices.list', {})).devices;
    assert.equal(listed.length, 1);
    const device = listed[0];
    assert.ok(device);
    assert.equal(device.name, 'Desk phone');
    assert.equal(device.realm, 'example.test');
    const row = devices.locator(`[data-device="${device.username}"]`);
    await row.filter({ hasText: 'Desk phone' }).filter({ hasText: 'example.test' }).waitFor();
    await panel.getByText(device.username).waitFor();
    await panel.getByText('example.test').waitFor();

    // The server holds the digest of exactly the password shown.
    assert.equal(
      await storedHa1(server.dataDir, 'example.test', device.username),
      md5Ha1(device.username, 'example.test', password),
    );

    // Closing the panel drops the password; after a reload it is nowhere (page, inputs, storage).
    await panel.getByRole('button', { name: 'Done, hide the password' }).click();
    await panel.waitFor({ state: 'detached' });
    assert.equal(await devices.getByLabel('Device name').evaluate((el) => el === document.activeElement), true);
    assert.ok(!(await pageText(page)).includes(password), 'the password went with its panel');
    await page.reload();
    await page.locator('.topbar').waitFor();
    sheet = await openSettings(page);
    await sheet.locator(`[data-device="${device.username}"]`).filter({ hasText: 'Desk phone' }).waitFor();
    assert.ok(!(await pageText(page)).includes(password), 'no password after a reload');

    // A new password: asked first, then shown once the same way; the stored digest changes with it.
    await sheet.getByRole('button', { name: 'Replace password of Desk phone' }).click();
    const ask = page.getByRole('dialog', { name: "Replace this device's password?" });
    await ask.getByRole('button', { name: 'Replace password' }).click();
    const again = sheet.getByRole('region', { name: 'Set up Desk phone' });
    await again.waitFor();
    assert.equal(await again.evaluate((el) => el === document.activeElement), true);
    const renewed = (await again.getByTestId('device-password').textContent()) ?? '';
    assert.match(renewed, /^[A-Za-z0-9]{20,}$/);
    assert.notEqual(renewed, password);
    assert.equal(
      await storedHa1(server.dataDir, 'example.test', device.username),
      md5Ha1(device.username, 'example.test', renewed),
    );
    assert.notEqual(
      await storedHa1(server.dataDir, 'example.test', device.username),
      md5Ha1(device.username, 'example.test', password),
    );

    // Closing the settings sheet drops it too.
    await sheet.getByRole('button', { name: 'Close', exact: true }).click();
    await sheet.waitFor({ state: 'hidden' });
    await page.getByTestId('devices').waitFor({ state: 'detached' });
    assert.ok(!(await pageText(page)).includes(renewed), 'the password went with the settings sheet');

    // Remove, asked first: the list is empty, and the device gives no credentials any more.
    sheet = await openSettings(page);
    await sheet.getByRole('button', { name: 'Remove Desk phone' }).click();
    await page.getByRole('dialog', { name: 'Remove this device?' }).getByRole('button', { name: 'Remove' }).click();
    await sheet.getByTestId('devices').getByText('No devices yet.').waitFor();
    await sheet.getByTestId('devices-status').filter({ hasText: 'Desk phone removed.' }).waitFor();
    assert.deepEqual((await api.request('me.devices.list', {})).devices, []);
    assert.equal(await storedHa1(server.dataDir, 'example.test', device.username), undefined);
  });

  test("an admin sees and adds a user's devices in the user editor; a tenant admin is refused a system admin's", async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const bob = await server.login('bob');
    const bobs = await bob.api.request('me.devices.create', { body: { name: 'Softphone' } });

    const admin = await signedIn(browser(), server.url, 'admin@example.test', server.passwords.admin as string);
    t.after(() => admin.context.close());
    const page = admin.page;
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: /^Users/ }).click();
    await page.locator('[data-user="bob@example.test"] .row-main').click();
    const editor = page.getByRole('dialog', { name: 'Bob Baker' });
    const devices = editor.getByTestId('devices');
    await devices.locator(`[data-device="${bobs.device.username}"]`).filter({ hasText: 'Softphone' }).waitFor();
    assert.ok(!(await pageText(page)).includes(bobs.password), "bob's password is not for the admin to see");

    // The admin adds a desk phone for bob: its password is shown once, and it is bob's.
    await devices.getByLabel('Device name').fill('Desk phone');
    await devices.getByRole('button', { name: 'Add device' }).click();
    const panel = devices.getByRole('region', { name: 'Set up Desk phone' });
    await panel.waitFor();
    const password = (await panel.getByTestId('device-password').textContent()) ?? '';
    const listed = (await bob.api.request('me.devices.list', {})).devices;
    const desk = listed.find((d) => d.name === 'Desk phone');
    assert.ok(desk);
    assert.equal(
      await storedHa1(server.dataDir, 'example.test', desk.username),
      md5Ha1(desk.username, 'example.test', password),
    );
    await panel.getByRole('button', { name: 'Done, hide the password' }).click();
    await page.keyboard.press('Escape');

    // Carol becomes a tenant admin: she sees the system administrator's devices, but may not add
    // one for him, and reads why.
    const system = await server.login('admin');
    await system.api.request('me.devices.create', { body: { name: 'Admin phone' } });
    const users = (await system.api.request('admin.users.list', { query: {} })).users;
    const carol = users.find((u) => u.address === 'carol@example.test');
    assert.ok(carol);
    await system.api.request('admin.users.update', { params: { id: carol.id }, body: { role: 'tenant-admin' } });
    const ta = await signedIn(browser(), server.url, 'carol@example.test', server.passwords.carol as string);
    t.after(() => ta.context.close());
    await ta.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await ta.page.getByRole('link', { name: /^Users/ }).click();
    await ta.page.locator('[data-user="admin@example.test"] .row-main').click();
    const theirs = ta.page.getByRole('dialog', { name: 'Administrator' }).getByTestId('devices');
    await theirs.getByText('Admin phone').waitFor();
    await theirs.getByLabel('Device name').fill('Sneaky phone');
    await theirs.getByRole('button', { name: 'Add device' }).click();
    await theirs.getByRole('alert').filter({ hasText: 'You are not allowed to do this.' }).waitFor();
    assert.equal(await theirs.getByTestId('device-secret').count(), 0);
    assert.deepEqual(
      (await system.api.request('me.devices.list', {})).devices.map((d) => d.name),
      ['Admin phone'],
    );
  });
}
