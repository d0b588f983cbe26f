// Accessibility of the browser app, end to end: axe-core (the WCAG 2.0/2.1 A and AA rules, and a
// few rules of page structure) over the main screens of a real server's production build, on a
// desktop and at 375 px, in the light and the dark theme, in English and (one screen) German; and
// the app used with the keyboard alone (both widths): sign in, skip to the content, open a
// conversation, send a message, the focus always visible.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { attachmentPaths, directoryPaths } from '@parley/api';
import type { AxeResults, RunOptions } from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { png } from '../support/png.js';
import { startWebServer, type WebTestServer } from '../support/server.js';

const skipped = await requireChromium();
// Run through the DevTools protocol: the app's CSP (rightly) refuses an injected <script>.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0 and 2.1, levels A and AA; and the structure a screen-reader user moves by. */
const axeOptions: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  rules: {
    'page-has-heading-one': { enabled: true },
    'landmark-one-main': { enabled: true },
    'landmark-no-duplicate-main': { enabled: true },
    'landmark-unique': { enabled: true },
    'heading-order': { enabled: true },
    region: { enabled: true },
  },
  resultTypes: ['violations'],
};

const desktop = { width: 1280, height: 800 };
const phone = { width: 375, height: 740 };
type Viewport = typeof desktop;
const themes = ['light', 'dark'] as const;

/** A phone book with one row the import skips (so the source shows its report). */
const phonebook = [
  'Name;Firma;Abteilung;E-Mail;Telefon;Mobiltelefon',
  'Anna Berger;Muster GmbH;Einkauf;anna@muster.example;+49 711 123456-12;0151 23456789',
  'Zentrale;Muster GmbH;;;+49 711 123456-0;',
  'Kaputt;zu;viele;Felder;hier;ja;nein',
].join('\r\n');

interface Found {
  where: string;
  rule: string;
  impact: string;
  help: string;
  targets: string;
  detail: string;
}

/**
 * The screens' content: alice's favourite bob (busy, with a note), an unread message from carol,
 * a desk phone of alice's, and a conversation with bob holding an image, a file, a reaction and a
 * reply; a phone book in the directory.
 */
async function seed(server: WebTestServer) {
  const admin = await server.login('admin');
  const source = await admin.api.request('admin.directory.sources.create', {
    body: { name: 'phonebook', kind: 'file', config: {} },
  });
  const imported = await fetch(`${server.url}${directoryPaths.import.replace(':id', source.id)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' },
    body: phonebook,
  });
  assert.equal(imported.status, 200, await imported.clone().text());

  const alice = await server.login('alice');
  const bob = await server.login('bob');
  const carol = await server.login('carol');
  await alice.api.request('me.favourites.set', { body: { favourites: ['bob@example.test'] } });
  await alice.api.request('me.devices.create', { body: { name: 'Desk phone' } });
  await bob.api.request('presence.me.set', {
    query: { tz: 'Europe/Berlin' },
    body: { availability: 'busy', note: 'in a workshop', context: 'home-office' },
  });
  await carol.api.request('presence.me.set', { query: { tz: 'Europe/Berlin' }, body: { availability: 'away' } });

  const withBob = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
  const say = (
    api: typeof bob.api,
    text: string,
    n: number,
    extra: { replyTo?: string; attachments?: string[] } = {},
  ) => api.request('messages.send', { params: { id: withBob.id }, body: { text, clientId: `a11y-${n}`, ...extra } });
  const upload = async (name: string, type: string, body: Uint8Array<ArrayBuffer>) => {
    const res = await fetch(`${server.url}${attachmentPaths.upload.replace(':id', withBob.id)}?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': type },
      body,
    });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };
  await say(bob.api, 'Could you send the whiteboard photo?', 1);
  const photo = await upload('whiteboard.png', 'image/png', new Uint8Array(png(60, 40, [40, 120, 200])));
  const notes = await upload('notes.txt', 'text/plain', new TextEncoder().encode('1. launch\n2. party\n'));
  const mine = await say(alice.api, 'Here it is, with my notes', 2, { attachments: [photo, notes] });
  await bob.api.request('messages.react', { params: { id: withBob.id, messageId: mine.id, emoji: '👍' } });
  await say(bob.api, 'Thanks, that is what I needed', 3, { replyTo: mine.id });

  const withCarol = await carol.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
  await carol.api.request('messages.send', {
    params: { id: withCarol.id },
    body: { text: 'Are you there?', clientId: 'a11y-carol' },
  });
  return { withBob: withBob.id, withCarol: withCarol.id };
}

if (!skipped) {
  let browser: Browser;
  let server: WebTestServer;
  let seeded: Awaited<ReturnType<typeof seed>>;
  before(async () => {
    [browser, server] = await Promise.all([
      launchChromium(),
      // Several wrong passwords from one address in parallel: no throttling here.
      startWebServer({ PARLEY_AUTH_THROTTLE_MAX_FAILURES: '100' }),
    ]);
    seeded = await seed(server);
  });
  after(async () => {
    await browser?.close();
    await server?.dispose();
  });

  const contexts: BrowserContext[] = [];
  const open = async (viewport: Viewport, locale = 'en-US') => {
    const context = await browser.newContext({ baseURL: server.url, viewport, locale, timezoneId: 'Europe/Berlin' });
    contexts.push(context);
    return context.newPage();
  };
  after(() => Promise.all(contexts.map((c) => c.close())));

  test('axe finds no WCAG 2.1 A/AA violation on the main screens: desktop and 375 px, light and dark, English and German', async (t) => {
    const found: Found[] = [];
    let runs = 0;

    /** Runs axe on the page as it is, in the light and then the dark theme. */
    const check = async (page: Page, screen: string) => {
      const size = page.viewportSize();
      const lang = await page.evaluate(() => document.documentElement.lang);
      for (const theme of themes) {
        await page.emulateMedia({ colorScheme: theme });
        if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
        const results = await page.evaluate(
          (options) =>
            (window as unknown as { axe: { run: (c: Node, o: unknown) => Promise<AxeResults> } }).axe.run(
              document,
              options,
            ),
          axeOptions,
        );
        runs++;
        const where = `${screen} [${theme}, ${size?.width} px, ${lang}]`;
        for (const v of results.violations) {
          for (const node of v.nodes) {
            found.push({
              where,
              rule: v.id,
              impact: v.impact ?? '',
              help: v.help,
              targets: node.target.map(String).join(' > '),
              detail: [...node.any, ...node.all, ...node.none].map((c) => c.message).join('; '),
            });
          }
        }
      }
      await page.emulateMedia({ colorScheme: 'light' });
    };

    /** Signs in; `checked`: the sign-in page is checked, also with an error. */
    const signIn = async (page: Page, local: string, checked: boolean, labels = ['Address', 'Password']) => {
      const [userLabel = '', passwordLabel = ''] = labels;
      await page.goto('/');
      await page.getByLabel(userLabel).fill(`${local}@example.test`);
      if (checked) {
        await check(page, 'sign-in');
        await page.getByLabel(passwordLabel).fill('not-the-password');
        await page.locator('button[type=submit]').click();
        await page.getByTestId('signin-error').filter({ hasText: /./ }).waitFor();
        await check(page, 'sign-in with an error');
      }
      await page.getByLabel(passwordLabel).fill(server.passwords[local] as string);
      await page.locator('button[type=submit]').click();
      await page.locator('.topbar').waitFor();
    };

    const user = async (viewport: Viewport) => {
      const page = await open(viewport);
      await signIn(page, 'alice', true);
      const wide = viewport.width > 719;

      // The conversation list, with an unread message.
      await page.locator(`[data-conversation="${seeded.withCarol}"] .unread`).waitFor();
      await check(page, 'conversation list');

      // A conversation: an image, a file, a reaction, a reply with its quote, read receipts.
      await page.goto(`/chats/${seeded.withBob}`);
      const thumb = page.locator('.msg.mine .thumb-img');
      await thumb.waitFor();
      await page.waitForFunction((el) => (el as HTMLImageElement).complete, await thumb.elementHandle());
      await page.locator('.msg.theirs .quote').waitFor();
      await page.locator('.msg.mine .reaction').waitFor();
      await check(page, 'conversation');

      // A message's action menu, and the image full size.
      const photoMessage = page.locator('.msg.mine', { hasText: 'Here it is' });
      await photoMessage.hover();
      await photoMessage.getByRole('button', { name: 'Message actions' }).click();
      await page.getByRole('menu', { name: 'Message actions' }).waitFor();
      await check(page, 'message actions menu');
      await page.keyboard.press('Escape');
      await photoMessage.getByRole('button', { name: /^Open image whiteboard\.png/ }).click();
      const viewer = page.getByRole('dialog', { name: 'whiteboard.png' });
      await viewer.locator('img.viewer-img').waitFor();
      await check(page, 'image viewer');
      await viewer.getByRole('button', { name: 'Close' }).click();

      // The presence menu, open.
      await page.getByRole('button', { name: /^Your presence: / }).click();
      const presence = page.getByRole('dialog', { name: 'Your presence' });
      await presence.getByTestId('computed-presence').waitFor();
      await check(page, 'presence menu');
      await presence.getByRole('button', { name: 'Close' }).click();

      // Settings, open.
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.getByLabel('Theme').waitFor();
      await settings.locator('[data-device]').first().waitFor();
      await check(page, 'settings');

      // Phones and devices: a new device's one-time panel (what the phone needs, the password).
      await settings.getByLabel('Device name').fill(`Softphone ${viewport.width}`);
      await settings.getByRole('button', { name: 'Add device' }).click();
      await settings.getByTestId('device-secret').waitFor();
      await check(page, "settings: a new device's password");
      await settings.getByRole('button', { name: 'Close', exact: true }).click();

      // Contacts: favourites and colleagues with their presence.
      await page.goto('/contacts');
      await page.getByRole('heading', { name: 'Favourites' }).waitFor();
      await page.locator('[data-contact="bob@example.test"] .presence[data-availability="busy"]').waitFor();
      await page.locator('[data-contact="carol@example.test"] .presence[data-availability="away"]').waitFor();
      await check(page, 'contacts');

      // Calls: the phone panel (number field, dial pad, live calls) and the call journal beside it.
      await page.goto('/calls');
      await page.getByRole('heading', { name: 'Phone' }).waitFor();
      if (wide) await page.getByRole('heading', { name: 'Call journal' }).waitFor();
      await check(page, 'calls');
      if (!wide) {
        // On a phone the journal is a screen of its own, with a way back.
        await page.getByRole('link', { name: 'Call journal' }).click();
        await page.getByRole('link', { name: 'Back to the phone' }).waitFor();
        await check(page, 'call journal');
      }

      // The directory: a search with its options, a contact card, a reverse lookup.
      await page.goto('/directory');
      const box = page.getByRole('combobox', { name: 'Search the directory' });
      await box.pressSequentially('muster', { delay: 20 });
      await page.getByRole('option', { name: /Anna Berger/ }).waitFor();
      await box.press('ArrowDown');
      await check(page, 'directory search');
      await box.press('Enter');
      const card = page.getByTestId('contact-card');
      await card.getByRole('heading', { name: 'Anna Berger' }).waitFor();
      await check(page, 'contact card');
      await card.getByRole('button', { name: 'Look up +49 711 123456-12' }).click();
      await page.getByTestId('lookup-result').getByRole('heading').waitFor();
      await check(page, 'lookup result');
      if (!wide) {
        // On a phone the pane has a way back to the search.
        await page.getByRole('link', { name: 'Back to the search' }).waitFor();
      }
    };

    const admin = async (viewport: Viewport) => {
      const page = await open(viewport);
      await signIn(page, 'admin', false);
      await page.goto('/admin');
      await page.getByRole('link', { name: /^Users/ }).waitFor();
      await check(page, 'administration');
      await page.goto('/admin/users');
      await page.locator('[data-user="alice@example.test"]').waitFor();
      await check(page, 'admin users');
      await page.locator('[data-user="alice@example.test"]').getByRole('button').click();
      const edit = page.getByRole('dialog', { name: 'Alice Adams' });
      await edit.getByTestId('user-calendar').waitFor();
      await edit.getByTestId('devices').locator('[data-device]').first().waitFor();
      await check(page, 'admin: a user');
      await page.keyboard.press('Escape');
      await edit.waitFor({ state: 'hidden' });
      await page.goto('/admin/sources');
      await page.locator('[data-source="phonebook"]').getByTestId('source-report').waitFor();
      await check(page, 'admin sources');
      await page.getByRole('button', { name: 'New source' }).click();
      const form = page.getByRole('dialog', { name: 'New source' });
      await form.getByLabel('Kind').selectOption({ label: 'HTTP / CRM' });
      await check(page, 'admin: new source');
      await form.getByRole('button', { name: 'Cancel' }).click();
      await page.goto('/admin/tenants');
      await page.locator('[data-tenant="example.test"]').waitFor();
      await check(page, 'admin tenants');
    };

    const german = async () => {
      const page = await open(desktop, 'de-DE');
      await signIn(page, 'alice', true, ['Adresse', 'Passwort']);
      await page.goto(`/chats/${seeded.withBob}`);
      await page.locator('.msg.mine .thumb-img').waitFor();
      await page.locator('.msg.theirs .quote').waitFor();
      await check(page, 'conversation');
    };

    // The theme chosen in the settings (not the system's): dark on a light system.
    const chosenTheme = async () => {
      const page = await open(desktop);
      await signIn(page, 'bob', false);
      await page.getByRole('button', { name: 'Settings' }).click();
      await page.getByLabel('Theme').selectOption('dark');
      await page.getByRole('button', { name: 'Close' }).click();
      await page.goto(`/chats/${seeded.withBob}`);
      await page.locator('.msg.theirs .thumb-img').waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, 'rgb(15, 20, 26)', 'the dark background on a light system');
      // `check` emulates a light then a dark system; the chosen theme wins in both.
      await check(page, 'conversation, dark theme chosen in the settings');
    };

    const started = Date.now();
    await Promise.all([user(desktop), user(phone), admin(desktop), admin(phone), german(), chosenTheme()]);
    const report = found.map(
      (f) => `- ${f.where} ${f.rule} (${f.impact}): ${f.help}\n    ${f.targets}\n    ${f.detail}`,
    );
    assert.equal(found.length, 0, `axe found ${found.length} violation(s) in ${runs} runs:\n${report.join('\n')}`);
    assert.ok(runs >= 60, `axe ran ${runs} times`);
    t.diagnostic(`axe: ${runs} runs, no violation, ${Date.now() - started} ms`);
  });

  for (const viewport of [desktop, phone]) {
    test(`the keyboard alone at ${viewport.width} px: sign in, skip to the content, open a conversation, send a message; the focus always shows`, async () => {
      const page = await open(viewport);
      await page.goto('/');
      await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          return {
            tag: el.tagName.toLowerCase(),
            id: el.id,
            name:
              el.getAttribute('aria-label') ??
              (el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : null) ??
              el.textContent?.trim().slice(0, 40) ??
              '',
            outline: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0,
            onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight,
          };
        });
      /** Presses Tab until `is` holds of the focused element; each stop must show its focus. */
      const tabTo = async (wanted: string, is: (f: NonNullable<Awaited<ReturnType<typeof focused>>>) => boolean) => {
        const stops: string[] = [];
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          const f = await focused();
          assert.ok(f, `Tab ${i + 1} towards ${wanted}: nothing focused (after ${stops.join(', ')})`);
          stops.push(`${f.tag} "${f.name}"`);
          assert.ok(f.outline, `the focus on ${f.tag} "${f.name}" is visible (an outline)`);
          assert.ok(f.onScreen, `the focused ${f.tag} "${f.name}" is on screen`);
          if (is(f)) return stops;
        }
        assert.fail(`${wanted} not reached with Tab: ${stops.join(', ')}`);
      };

      await tabTo('the address field', (f) => f.tag === 'input' && f.name === 'Address');
      await page.keyboard.type('alice@example.test');
      await tabTo('the password field', (f) => f.tag === 'input' && f.name === 'Password');
      await page.keyboard.type(server.passwords.alice as string);
      await page.keyboard.press('Enter');
      await page.locator(`[data-conversation="${seeded.withCarol}"]`).waitFor();

      // The first stop is the skip link (shown when focused); it leads past the header to the
      // main landmark, which holds the list on a phone too.
      const first = await tabTo('the skip link', (f) => f.tag === 'a' && f.name === 'Skip to the main content');
      assert.equal(first.length, 1, 'the skip link comes first');
      await page.keyboard.press('Enter');
      assert.equal((await focused())?.id, 'main');
      const stops = await tabTo('the conversation with Carol', (f) => f.tag === 'a' && /Carol Clark/.test(f.name));
      assert.match(stops[0] ?? '', /^a "Chats/, 'after the skip link: the sections, not the header');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Carol Clark' }).waitFor();
      assert.match(page.url(), new RegExp(`/chats/${seeded.withCarol}$`));

      const composer = page.getByRole('textbox', { name: 'Message to Carol Clark' });
      if (!(await composer.evaluate((el) => el === document.activeElement)))
        await tabTo('the composer', (f) => f.tag === 'textarea');
      const text = `Typed without a mouse at ${viewport.width} px`;
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      await page
        .locator('.msg.mine', { hasText: text })
        .locator('[data-receipt="sent"], [data-receipt="delivered"], [data-receipt="read"]')
        .first()
        .waitFor();
      const { api } = await server.login('carol');
      const history = await api.request('messages.list', { params: { id: seeded.withCarol }, query: {} });
      assert.ok(
        history.messages.some((m) => m.text === text),
        'the server has it',
      );
    });
  }
}
