// Stored XSS through an SVG attachment (issue 11, finding 4), in Debian's Chromium against a real
// server: a user's file never runs as the app, however it is opened, and the app itself runs
// under its Content-Security-Policy without a single violation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { aliceAndBobInAChat, browserForFile } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

/** An SVG that, if its script ever ran as a page of the app's origin, would leave traces there. */
const evilSvg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">
  <rect width="20" height="20" fill="red"/>
  <script>
    window.__xss = document.cookie || 'ran';
    try { localStorage.setItem('xss', String(window.__xss)); } catch (e) {}
  </script>
</svg>`);

/** Collects the page's CSP violations (reported on the console by Chromium). */
function violations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) found.push(m.text());
  });
  return found;
}

if (!skipped) {
  const browser = browserForFile();

  test('an SVG with a script shows as a picture and never runs in the app origin; the app runs under its CSP', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const { c, alice, bob } = await aliceAndBobInAChat(t, browser(), server);
    const seen = [alice.page, bob.page].map(violations);

    // Alice sends the SVG through the app (upload by cookie with the CSRF header).
    await alice.page.goto(`/chats/${c.id}`);
    const composer = alice.page.getByRole('textbox', { name: 'Message to Bob Baker' });
    await composer.waitFor();
    await alice.page
      .locator('.composer input[type=file]')
      .setInputFiles([{ name: 'evil.svg', mimeType: 'image/svg+xml', buffer: evilSvg }]);
    await alice.page.locator('[data-upload="evil.svg"]', { hasText: 'Ready' }).waitFor();
    await composer.fill('A picture');
    await composer.press('Enter');

    // Bob sees a picture: thumbnail and full size are <img> elements (which never run scripts).
    await bob.page.goto(`/chats/${c.id}`);
    const thumb = bob.page.locator('.msg.theirs .thumb-img');
    await thumb.waitFor();
    await bob.page.waitForFunction((el) => (el as HTMLImageElement).complete, await thumb.elementHandle());
    assert.equal(await thumb.evaluate((el) => (el as HTMLImageElement).naturalWidth), 20, 'the SVG shows');
    await bob.page.locator('.msg.theirs .thumb').click();
    const viewer = bob.page.getByRole('dialog', { name: 'evil.svg' });
    const full = viewer.locator('img.viewer-img');
    await full.waitFor();
    const src = await full.evaluate((el) => (el as HTMLImageElement).src);
    await viewer.getByRole('button', { name: 'Close' }).click();

    // What the UI shows, opened as a page of its own (a new tab on the image's address): the
    // server makes it a download, not a document.
    const tab = await bob.context.newPage();
    const download = tab.waitForEvent('download').catch(() => null);
    await tab.goto(src).catch(() => undefined);
    assert.equal(await tab.evaluate(() => (window as { __xss?: unknown }).__xss), undefined, "the SVG's script ran");
    assert.equal(
      await bob.page.evaluate(() => localStorage.getItem('xss')),
      null,
      "the script reached the app's storage",
    );
    assert.doesNotMatch(src, /^blob:/, 'no same-origin blob: document to open');
    assert.ok(await download, 'opening the file downloads it');

    // Even a browser that ignored the download disposition renders it sandboxed: an opaque
    // origin where the script does not run.
    const rendered = await bob.context.newPage();
    await rendered.route(src, async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['content-disposition'];
      await route.fulfill({ response, headers });
    });
    await rendered.goto(src);
    assert.equal(await rendered.evaluate(() => (window as { __xss?: unknown }).__xss), undefined, 'no script ran');
    assert.equal(await rendered.evaluate(() => self.origin), 'null', 'an opaque origin, not the app');

    // Nothing of the script reached the app's origin.
    assert.equal(await bob.page.evaluate(() => localStorage.getItem('xss')), null);

    // The app did all of this (sign-in, event socket, uploads, images) under its CSP.
    assert.deepEqual(seen.flat(), []);
  });
}
