// What a new user stumbled over, end to end in Chromium: texts cut off on a phone, the server's
// English error texts in the German UI, and changing one's own password.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

const phone = { width: 375, height: 740 };

/**
 * The texts of a control that do not fit it: its placeholder, or each option of a select (with
 * room for the select's arrow), measured in the control's own font.
 */
function cutTexts(control: Locator): Promise<string[]> {
  return control.evaluate((el) => {
    const input = el as HTMLInputElement | HTMLSelectElement;
    const style = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
    const select = input instanceof HTMLSelectElement;
    const texts = select ? Array.from(input.options, (o) => o.text) : [input.placeholder];
    // A select's arrow takes about 20 px of its room.
    const fits = room - (select ? 20 : 0);
    return texts
      .map((text) => ({ text, width: Math.ceil(ctx.measureText(text).width) }))
      .filter(({ width }) => width > fits)
      .map(({ text, width }) => `${text}: ${width} px in ${Math.floor(fits)} px`);
  });
}

/** Signs in with the German UI (the browser's language). */
async function signedInGerman(page: Page, address: string, password: string) {
  await page.goto('/');
  await page.getByLabel('Adresse').fill(address);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.locator('.topbar').waitFor();
}

if (!skipped) {
  const browser = browserForFile();

  test('nothing is cut off: search placeholders on a phone in German, the "Where" choices in both languages', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    for (const [locale, viewport] of [
      ['de-DE', phone],
      ['en-US', phone],
      ['de-DE', { width: 1100, height: 760 }],
    ] as const) {
      const context = await browser().newContext({ baseURL: server.url, locale, viewport });
      t.after(() => context.close());
      const page = await context.newPage();
      await page.goto('/');
      const german = locale === 'de-DE';
      await page.getByLabel(german ? 'Adresse' : 'Address').fill('alice@example.test');
      await page.getByLabel(german ? 'Passwort' : 'Password').fill(server.passwords.alice as string);
      await page.locator('button[type=submit]').click();
      await page.locator('.topbar').waitFor();
      const where = `${locale}, ${viewport.width} px`;

      // The search boxes of the lists and the directory.
      for (const [link, box] of [
        [german ? 'Chats' : 'Chats', page.locator('input[type=search]').first()],
        [german ? 'Kontakte' : 'Contacts', page.locator('input[type=search]').first()],
        [german ? 'Verzeichnis' : 'Directory', page.getByRole('combobox')],
      ] as const) {
        await page.getByRole('link', { name: link, exact: true }).first().click();
        await box.waitFor();
        assert.deepEqual(await cutTexts(box), [], `${link}: the placeholder fits (${where})`);
      }

      // The section tabs keep their names whole.
      const tabs = await page.locator('.tabs').evaluate((nav) => ({ needs: nav.scrollWidth, has: nav.clientWidth }));
      assert.ok(tabs.needs <= tabs.has, `the tabs fit (${where}: ${tabs.needs} px in ${tabs.has} px)`);

      // The presence sheet's "Where" select shows each choice whole.
      await page.getByRole('button', { name: german ? /^Ihr Status: / : /^Your presence: / }).click();
      const select = page.getByLabel(german ? 'Wo' : 'Where', { exact: true });
      await select.waitFor();
      assert.deepEqual(await cutTexts(select), [], `the choices fit (${where})`);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport.width, `no horizontal scrolling (${where}: ${width})`);
    }
  });

  test('error texts in German, next to the field they concern; never the server English', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const context = await browser().newContext({ baseURL: server.url, locale: 'de-DE' });
    t.after(() => context.close());
    const page = await context.newPage();
    await signedInGerman(page, 'admin@example.test', server.passwords.admin as string);

    await page.getByRole('link', { name: 'Verwaltung', exact: true }).click();
    await page.getByRole('link', { name: /^Benutzer/ }).click();
    await page.getByRole('button', { name: 'Neuer Benutzer' }).click();
    const create = page.getByRole('dialog', { name: 'Neuer Benutzer' });
    const userName = create.getByLabel('Benutzername');

    // An invalid user name and number: each field says what is wrong with it, in German.
    await userName.fill('-bad-');
    await create.getByLabel('Nummern').fill('zwölf');
    await create.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await create.getByRole('alert').filter({ hasText: 'Eine Eingabe ist ungültig.' }).waitFor();
    const local = create.locator('[data-field="local"] .field-error');
    assert.match((await local.textContent()) ?? '', /^Der Benutzername hat 1–64 Buchstaben/);
    assert.match(
      (await create.locator('[data-field="numbers"] .field-error').textContent()) ?? '',
      /^Geben Sie Nummern wie \+49 711 123456 oder 1234 an/,
    );
    assert.equal(await userName.getAttribute('aria-invalid'), 'true');

    // A user that exists: said at the user name.
    await create.getByLabel('Nummern').fill('');
    await userName.fill('alice');
    await create.getByRole('button', { name: 'Benutzer anlegen' }).click();
    await local.filter({ hasText: 'Einen Benutzer mit diesem Namen gibt es schon.' }).waitFor();
    await create.getByRole('alert').filter({ hasText: 'Das gibt es schon.' }).waitFor();
    const shown = (await create.textContent()) ?? '';
    assert.doesNotMatch(shown, /already exists|must be|body\.|not a phone number/, shown);
    await create.getByRole('button', { name: 'Abbrechen' }).click();

    // The reverse lookup of something that is no number.
    await page.getByRole('link', { name: 'Verzeichnis', exact: true }).click();
    const field = page.getByLabel('Rückwärtssuche: Telefonnummer');
    await field.fill('hallo');
    await field.press('Enter');
    const error = page.getByTestId('lookup-error');
    await error.waitFor();
    assert.equal(
      await error.textContent(),
      'Eine Eingabe ist ungültig. Diese Telefonnummer ist hier nicht möglich. Geben Sie eine wie +49 711 123456 oder 1234 an.',
    );
  });

  test('a user changes their own password in the settings: wrong current one and too short a new one said at the field', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const old = server.passwords.bob as string;
    const other = await server.login('bob');
    const bob = await signedIn(browser(), server.url, 'bob@example.test', old);
    t.after(() => bob.context.close());
    const { page } = bob;

    await page.getByRole('button', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Change password' });
    const current = form.getByLabel('Current password');
    const fresh = form.getByLabel('New password', { exact: true });
    const repeat = form.getByLabel('New password again');
    const submit = form.getByRole('button', { name: 'Change password' });
    const status = form.getByTestId('password-status');

    // A wrong current password: said there; the session stays (it is a 401 of its own kind).
    await current.fill('not-my-password');
    await fresh.fill('bob-new-secret');
    await repeat.fill('bob-new-secret');
    await submit.click();
    await form
      .locator('[data-field="current"] .field-error')
      .filter({ hasText: 'The current password is wrong.' })
      .waitFor();
    assert.equal(await current.getAttribute('aria-invalid'), 'true');
    await status.filter({ hasText: 'Wrong address or password.' }).waitFor();
    assert.equal(await page.locator('.topbar').count(), 1, 'still signed in');

    // Too short a new password: said at the new password.
    await current.fill(old);
    await fresh.fill('short');
    await repeat.fill('short');
    await submit.click();
    await form
      .locator('[data-field="password"] .field-error')
      .filter({ hasText: 'The password needs at least 8 characters.' })
      .waitFor();

    // Two different new passwords: not sent.
    await fresh.fill('bob-new-secret');
    await repeat.fill('bob-new-secreT');
    await form.getByText('The two new passwords differ.').waitFor();
    assert.equal(await submit.isDisabled(), true);

    await repeat.fill('bob-new-secret');
    await submit.click();
    await status.filter({ hasText: 'Your password was changed. Your other sessions were signed out.' }).waitFor();
    assert.equal(await current.inputValue(), '', 'the form is cleared');

    // This session goes on; the other one has ended; the new password signs in, the old one not.
    await page.getByRole('button', { name: 'Close' }).last().click();
    await page.getByRole('link', { name: 'Contacts', exact: true }).click();
    await page.locator('.topbar').waitFor();
    await assert.rejects(other.api.request('me.get', {}), /./);
    const again = await signedIn(browser(), server.url, 'bob@example.test', 'bob-new-secret');
    t.after(() => again.context.close());
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bob@example.test', password: old }),
    });
    assert.equal(res.status, 401);
  });
}
