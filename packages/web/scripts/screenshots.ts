// `npm run screenshots`: starts a server with the demo tenant and some conversations, and saves
// the main screens of the web app to docs/screenshots/ (PNG), on a desktop and a phone, light and
// dark. Needs Debian's Chromium (/usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../test/support/browser.js';
import { startWebServer } from '../test/support/server.js';

const out = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));
const missing = chromiumMissing();
if (missing) {
  console.error(`screenshots: ${missing}`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const server = await startWebServer();
const browser = await launchChromium();
const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
try {
  // Demo content: two more colleagues, a 1:1 and a group, presence with notes.
  const admin = await server.login('admin');
  for (const [local, displayName] of [
    ['dave', 'Dave Dunn'],
    ['erin', 'Erin Evans'],
  ] as const) {
    const password = `pw-${local}-secret`;
    await admin.api.request('admin.users.create', { body: { local, displayName, password } });
    server.passwords[local] = password;
  }
  const bob = await server.login('bob');
  const carol = await server.login('carol');
  const alice = await server.login('alice');
  const direct = await bob.api.request('conversations.create', { body: { members: ['alice@example.test'] } });
  const group = await carol.api.request('conversations.create', {
    body: { members: ['alice@example.test', 'bob@example.test', 'dave@example.test'], name: 'Release 1.0' },
  });
  const say = (api: typeof bob.api, id: string, text: string, n: number) =>
    api.request('messages.send', { params: { id }, body: { text, clientId: `demo-${id}-${n}` } });
  let n = 0;
  await say(carol.api, group.id, 'Morning all! The release candidate is built.', n++);
  await say(bob.api, group.id, 'Great, I will run the upgrade tests on staging.', n++);
  await say(alice.api, group.id, 'I have updated the release notes.', n++);
  await say(carol.api, group.id, 'Thanks! Go/no-go at 15:00?', n++);
  await say(alice.api, direct.id, 'Hi Bob, do you have a minute for the customer call?', n++);
  await say(bob.api, direct.id, 'Sure, after my review. Around 11?', n++);
  await say(alice.api, direct.id, 'Perfect, I will send the invite.', n++);
  await bob.api.request('conversations.receipts', { params: { id: direct.id }, body: { readSeq: 3 } });
  await say(bob.api, direct.id, 'Could you share the slides beforehand?', n++);
  await bob.api.request('presence.me.set', {
    query: { tz: 'Europe/Berlin' },
    body: { availability: 'busy', note: 'Quarterly review', until: minutes(90) },
  });
  await carol.api.request('presence.me.set', {
    query: { tz: 'Europe/Berlin' },
    body: { availability: 'away', context: 'home-office', note: 'back after lunch' },
  });
  const dave = await server.login('dave');
  await dave.api.request('presence.me.set', { query: { tz: 'Europe/Berlin' }, body: { availability: 'dnd' } });

  const shoot = async (page: Page, name: string) => {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}.png`) });
    console.log(`screenshots: docs/screenshots/${name}.png`);
  };
  const open = async (options: {
    viewport: { width: number; height: number };
    locale?: string;
    dark?: boolean;
    signIn?: boolean;
  }) => {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: options.viewport,
      deviceScaleFactor: options.viewport.width < 500 ? 2 : 1,
      locale: options.locale ?? 'en-GB',
      timezoneId: 'Europe/Berlin',
      colorScheme: options.dark ? 'dark' : 'light',
    });
    const page = await context.newPage();
    await page.goto('/');
    if (options.signIn !== false) {
      await page.locator('input[name=username]').fill('alice@example.test');
      await page.locator('input[name=password]').fill(server.passwords.alice as string);
      await page.locator('button[type=submit]').click();
      await page.locator('.topbar').waitFor();
    }
    return page;
  };

  const desktop = { width: 1200, height: 760 };
  const phone = { width: 375, height: 740 };

  const signin = await open({ viewport: desktop, signIn: false });
  await shoot(signin, 'sign-in');

  const page = await open({ viewport: desktop });
  await page.locator('[data-name="Bob Baker"] a').click();
  await page.locator('.msg', { hasText: 'slides' }).waitFor();
  await shoot(page, 'chat');
  await page.locator('.my-presence').click();
  await page.locator('input[name=availability][value=busy]').check();
  await page.locator('input[name=note]').fill('Customer call');
  await page.locator('select[name=context]').selectOption('office');
  await page.locator('.presence-form button[type=submit]').click();
  await page.locator('.form-status', { hasText: /./ }).waitFor();
  await shoot(page, 'presence');

  const dark = await open({ viewport: desktop, dark: true });
  await dark.locator('.tabs a[href="/contacts"]').click();
  await dark.locator('[data-contact="carol@example.test"]').waitFor();
  await dark.goto(`/chats/${group.id}`);
  await dark.locator('.msg', { hasText: 'Go/no-go' }).waitFor();
  await dark.locator('.tabs a[href="/contacts"]').click();
  await dark.locator('[data-contact="dave@example.test"]').waitFor();
  await shoot(dark, 'contacts-dark');

  const mobile = await open({ viewport: phone, locale: 'de-DE' });
  await mobile.locator('[data-name="Bob Baker"]').waitFor();
  await shoot(mobile, 'mobile-chats-de');
  await mobile.locator('[data-name="Release 1.0"] a').click();
  await mobile.locator('.msg', { hasText: 'Go/no-go' }).waitFor();
  await shoot(mobile, 'mobile-conversation-de');
} finally {
  await browser.close();
  await server.dispose();
}
