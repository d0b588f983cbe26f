// `npm run screenshots`: starts a server with the demo tenant and some conversations, and saves
// the main screens of the web app to docs/screenshots/ (PNG), on a desktop and a phone, light and
// dark. Needs Debian's Chromium (/usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachmentPaths, directoryPaths } from '@parley/api';
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

  // Chat: in the group, an image and a file, a reply with a quote, reactions; the image full
  // size; a search over the history.
  const upload = async (name: string, type: string, body: Uint8Array<ArrayBuffer>) => {
    const res = await fetch(`${server.url}${attachmentPaths.upload.replace(':id', group.id)}?name=${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'content-type': type },
      body,
    });
    if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  const picture = await upload(
    'presence-dialog.png',
    'image/png',
    new Uint8Array(await readFile(join(out, 'presence.png'))),
  );
  const notes = await upload(
    'release-notes.pdf',
    'application/pdf',
    new TextEncoder().encode('%PDF-1.4\n% release notes\n'),
  );
  const history = await carol.api.request('messages.list', { params: { id: group.id }, query: {} });
  const first = history.messages.find((m) => m.text.startsWith('Morning all'));
  const question = history.messages.find((m) => m.text.startsWith('Thanks! Go/no-go'));
  if (!first || !question) throw new Error('demo messages missing');
  for (const [api, emoji] of [
    [bob.api, '🎉'],
    [alice.api, '🎉'],
    [dave.api, '👍'],
  ] as const)
    await api.request('messages.react', { params: { id: group.id, messageId: first.id, emoji } });
  await alice.api.request('messages.send', {
    params: { id: group.id },
    body: { text: 'The new presence dialog, and the notes:', clientId: 'demo-files', attachments: [picture, notes] },
  });
  await bob.api.request('messages.send', {
    params: { id: group.id },
    body: { text: 'Go from my side, staging is green.', clientId: 'demo-reply', replyTo: question.id },
  });
  const chat = await open({ viewport: desktop });
  await chat.locator('[data-name="Release 1.0"] a').click();
  await chat.locator('.msg .thumb-img').waitFor();
  await chat.locator('.msg', { hasText: 'staging is green' }).waitFor();
  await shoot(chat, 'chat-group');
  await chat.locator('.msg .thumb').click();
  await chat.locator('dialog.viewer[open] .viewer-img').waitFor();
  await shoot(chat, 'chat-image');
  await chat.keyboard.press('Escape');
  await chat.locator('.chat-tools input[type=search]').fill('release');
  await chat.locator('.search-results [data-result]').first().waitFor();
  await shoot(chat, 'chat-search');

  // Directory and administration: a phone book imported into a file source, with one bad number.
  const phonebook = await admin.api.request('admin.directory.sources.create', {
    body: { name: 'Phone book', kind: 'file', config: {}, priority: 10 },
  });
  const csv = [
    'Name;Firma;Abteilung;E-Mail;Telefon;Mobiltelefon',
    'Anna Berger;Muster GmbH;Einkauf;anna@muster.example;+49 711 123456-12;0151 23456789',
    'Jonas Keller;Muster GmbH;Vertrieb;jonas@muster.example;+49 711 123456-40;',
    'Zentrale;Muster GmbH;;;+49 711 123456-0;',
    'Hotline;Service AG;;;+49 800 1234567;',
    'Lea Wagner;Nord Logistik;;lea@nord.example;040 998877;+999 12',
  ].join('\r\n');
  const imported = await fetch(`${server.url}${directoryPaths.import.replace(':id', phonebook.id)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  if (!imported.ok) throw new Error(`import: ${imported.status} ${await imported.text()}`);
  await admin.api.request('admin.directory.sources.create', {
    body: {
      name: 'CRM',
      kind: 'http',
      priority: 20,
      config: { url: 'https://crm.example.com/api/contacts', mapping: { id: 'id', name: 'name' } },
      secret: 'Bearer demo',
      scheduleSeconds: 3600,
    },
  });

  const directory = await open({ viewport: desktop });
  await directory.locator('.tabs a[href="/directory"]').click();
  await directory.locator('[role=combobox]').pressSequentially('muster', { delay: 20 });
  await directory.locator('[role=option]', { hasText: 'Anna Berger' }).waitFor();
  await directory.locator('[role=combobox]').press('ArrowDown');
  await directory.locator('[role=combobox]').press('Enter');
  await directory.locator('input[name=number]').fill('0711 123456-99');
  await directory.locator('.lookup-form button[type=submit]').click();
  await directory.locator('[data-match=company]').first().waitFor();
  await shoot(directory, 'directory');

  const users = await open({ viewport: desktop, signIn: false });
  await users.locator('input[name=username]').fill('admin@example.test');
  await users.locator('input[name=password]').fill(server.passwords.admin as string);
  await users.locator('button[type=submit]').click();
  await users.goto('/admin/users');
  await users.locator('[data-user="erin@example.test"]').waitFor();
  await shoot(users, 'admin-users');

  const sources = await open({ viewport: desktop, dark: true, signIn: false });
  await sources.locator('input[name=username]').fill('admin@example.test');
  await sources.locator('input[name=password]').fill(server.passwords.admin as string);
  await sources.locator('button[type=submit]').click();
  await sources.goto('/admin/sources');
  await sources.locator('[data-source="Phone book"] [data-testid=source-report] summary').click();
  await shoot(sources, 'admin-sources-dark');

  const mobileDirectory = await open({ viewport: phone, locale: 'de-DE' });
  await mobileDirectory.locator('.tabs a[href="/directory"]').click();
  await mobileDirectory.locator('[role=combobox]').pressSequentially('0711 123456', { delay: 20 });
  await mobileDirectory.locator('[role=option]', { hasText: 'Jonas Keller' }).waitFor();
  await shoot(mobileDirectory, 'mobile-directory-de');
} finally {
  await browser.close();
  await server.dispose();
}
