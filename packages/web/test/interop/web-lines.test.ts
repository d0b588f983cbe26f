// Lines in the admin's user editor: an administrator gives bob an extension with a DID, sees it in
// the user list, is told in words (not codes) why a taken or malformed number is refused, and
// removes the line after being asked; the API agrees at each step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('an admin adds a line to a user, sees it in the list, is told why a number is refused, removes it', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const system = await server.login('admin');
    const listed = async () =>
      (await system.api.request('admin.lines.list', {})).lines.map((l) => [l.number, l.did, l.user]);
    const users = (await system.api.request('admin.users.list', { query: {} })).users;
    const carol = users.find((u) => u.address === 'carol@example.test');
    assert.ok(carol);
    await system.api.request('admin.lines.create', { body: { number: '300', user: carol.id } });

    const admin = await signedIn(browser(), server.url, 'admin@example.test', server.passwords.admin as string);
    t.after(() => admin.context.close());
    const page = admin.page;
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: /^Users/ }).click();
    await page
      .locator('[data-user="carol@example.test"]')
      .getByTestId('user-lines')
      .filter({ hasText: '300' })
      .waitFor();

    await page.locator('[data-user="bob@example.test"] .row-main').click();
    const editor = page.getByRole('dialog', { name: 'Bob Baker' });
    const lines = editor.getByTestId('lines');
    await lines.getByText('No lines yet.').waitFor();
    await lines.getByLabel('Extension').fill('201');
    await lines.getByLabel('Direct number (DID)').fill('+49 711 12345-201');
    await lines.getByRole('button', { name: 'Add line' }).click();
    await lines.getByTestId('lines-status').filter({ hasText: 'Line 201 added.' }).waitFor();
    await lines.locator('[data-line="201"]').filter({ hasText: '+4971112345201' }).waitFor();
    assert.deepEqual(await listed(), [
      ['201', '+4971112345201', 'bob@example.test'],
      ['300', null, 'carol@example.test'],
    ]);

    // Line 201 into the pickup group "sales"; a name with a space is refused in words.
    const row = lines.locator('[data-line="201"]');
    await row.getByLabel('Pickup group').fill('sales');
    await row.getByRole('button', { name: 'Save group' }).click();
    await row.getByText('Line 201 is in pickup group sales.').waitFor();
    const { api } = await server.login('admin');
    const groups = async () => (await api.request('admin.lines.list', {})).lines.map((l) => [l.number, l.pickupGroup]);
    assert.deepEqual(await groups(), [
      ['201', 'sales'],
      ['300', null],
    ]);
    await row.getByLabel('Pickup group').fill('sales team');
    await row.getByRole('button', { name: 'Save group' }).click();
    await row.getByRole('alert').filter({ hasText: 'A pickup group is 1 to 32 letters' }).waitFor();
    // Emptied: out of its group.
    await row.getByLabel('Pickup group').fill('');
    await row.getByRole('button', { name: 'Save group' }).click();
    await row.getByText('Line 201 is in no pickup group.').waitFor();
    assert.deepEqual(await groups(), [
      ['201', null],
      ['300', null],
    ]);

    // Carol's 300 is taken: said at the extension field, in words.
    await lines.getByLabel('Extension').fill('300');
    await lines.getByLabel('Direct number (DID)').fill('');
    await lines.getByRole('button', { name: 'Add line' }).click();
    await lines.getByRole('alert').filter({ hasText: 'This exists already.' }).waitFor();
    await lines.getByText('This number is taken', { exact: false }).waitFor();
    assert.equal(await lines.getByLabel('Extension').getAttribute('aria-invalid'), 'true');
    // A DID that is no number.
    await lines.getByLabel('Extension').fill('202');
    await lines.getByLabel('Direct number (DID)').fill('12');
    await lines.getByRole('button', { name: 'Add line' }).click();
    await lines.getByRole('alert').filter({ hasText: 'Some input is not valid.' }).waitFor();
    await lines.getByText('Enter a direct number such as', { exact: false }).waitFor();
    assert.equal(await lines.getByLabel('Direct number (DID)').getAttribute('aria-invalid'), 'true');
    assert.ok(!(await lines.textContent())?.includes('PARLEY_ERR'), 'no error codes shown');
    assert.equal((await listed()).length, 2);

    // The user list shows bob's line once the editor is closed.
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'hidden' });
    await page
      .locator('[data-user="bob@example.test"]')
      .getByTestId('user-lines')
      .filter({ hasText: '201 (+4971112345201)' })
      .waitFor();

    // Remove, asked first.
    await page.locator('[data-user="bob@example.test"] .row-main').click();
    await editor.getByRole('button', { name: 'Remove line 201' }).click();
    await page.getByRole('dialog', { name: 'Remove this line?' }).getByRole('button', { name: 'Remove' }).click();
    await editor.getByTestId('lines-status').filter({ hasText: 'Line 201 removed.' }).waitFor();
    await editor.getByTestId('lines').getByText('No lines yet.').waitFor();
    assert.deepEqual(await listed(), [['300', null, 'carol@example.test']]);
  });
}
