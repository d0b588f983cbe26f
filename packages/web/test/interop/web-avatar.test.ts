// The user's picture in the settings: chosen from a file, saved on the server (which serves it to
// colleagues and XMPP clients), refused with the reason when it is no accepted image, removed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

if (!skipped) {
  const browser = browserForFile();

  test('a user sets their picture, a colleague gets it; an SVG is refused with the reason; the picture is removed', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page } = alice;
    await page.getByRole('button', { name: 'Settings' }).click();
    const sheet = page.getByRole('dialog', { name: 'Settings' });
    await sheet.getByRole('heading', { name: 'Picture' }).waitFor();

    await sheet.getByLabel('Choose a picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PNG });
    await sheet.getByTestId('avatar-status').getByText('Your picture was saved.').waitFor();
    const img = sheet.getByRole('img', { name: 'Your picture' });
    await img.waitFor();
    assert.equal(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth), 1);

    const bob = await server.login('bob');
    const me = await server.api((await server.login('alice')).token).request('me.get', {});
    const seen = await fetch(new URL(`/api/v1/users/${me.id}/avatar`, server.url), {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    assert.deepEqual(Buffer.from(await seen.arrayBuffer()), PNG);

    await sheet
      .getByLabel('Choose a picture')
      .setInputFiles({ name: 'x.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') });
    await sheet.getByRole('alert').getByText('This type of file is not accepted.').waitFor();

    await sheet.getByRole('button', { name: 'Remove picture' }).click();
    await sheet.getByTestId('avatar-status').getByText('Your picture was removed.').waitFor();
    assert.equal(await sheet.getByRole('img', { name: 'Your picture' }).count(), 0);
    const gone = await fetch(new URL(`/api/v1/users/${me.id}/avatar`, server.url), {
      headers: { authorization: `Bearer ${bob.token}` },
    });
    assert.equal(gone.status, 404);
  });
}
