// The chat beyond the first slice, end to end in Debian's Chromium against a real server:
// attachments with previews, edit / delete / react / reply live in the other browser, a group of
// three, search that jumps to an old message, desktop notifications, and the catch-up of what a
// lost event or a lost connection hid (a gap in the sequence; edits and reactions meanwhile).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { aliceAndBobInAChat, browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { png } from '../support/png.js';
import { startWebServer, type WebTestServer } from '../support/server.js';

const skipped = await requireChromium();

/** Opens a message's action menu (as a mouse user would: hover, then the ⋯ button). */
async function actionsOf(page: Page, message: Locator): Promise<Locator> {
  await message.hover();
  await message.getByRole('button', { name: 'Message actions' }).click();
  const menu = page.getByRole('menu', { name: 'Message actions' });
  await menu.waitFor();
  return menu;
}

/** Holds the page's requests to `url` (a glob) until the returned function releases them all. */
async function hold(page: Page, url: string): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** Bob and Carol signed in over the API, each with a 1:1 conversation with Alice. */
async function chatsWithAlice(server: WebTestServer) {
  const bobApi = (await server.login('bob')).api;
  const carolApi = (await server.login('carol')).api;
  const withBob = await bobApi.request('conversations.create', { body: { members: ['alice@example.test'] } });
  const withCarol = await carolApi.request('conversations.create', { body: { members: ['alice@example.test'] } });
  return { bobApi, carolApi, withBob, withCarol };
}

/** Whether an element lies within the visible part of its scrolling message list. */
const inView = (message: Locator) =>
  message.evaluate((el) => {
    const box = el.closest('.messages')?.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return !!box && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });

if (!skipped) {
  const browser = browserForFile();

  test('an image round-trips with a preview (thumbnail, full size); other files download with name and size', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const { c, alice, bob } = await aliceAndBobInAChat(t, browser(), server);

    await alice.page.goto(`/chats/${c.id}`);
    const composer = alice.page.getByRole('textbox', { name: 'Message to Bob Baker' });
    await composer.waitFor();

    // Hold the image's upload a moment so its progress shows.
    const release = await hold(alice.page, '**/attachments?name=photo.png');
    const image = png(40, 30, [200, 30, 90]);
    const notes = Buffer.from('Agenda: 1. launch\n2. party\n');
    await alice.page.locator('.composer input[type=file]').setInputFiles([
      { name: 'photo.png', mimeType: 'image/png', buffer: image },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: notes },
    ]);
    await alice.page.getByRole('progressbar', { name: 'Uploading photo.png' }).waitFor();
    const send = alice.page.getByRole('button', { name: 'Send' });
    assert.equal(await send.isDisabled(), true, 'no sending while an upload runs');
    release();
    await alice.page.locator('[data-upload="photo.png"]', { hasText: 'Ready' }).waitFor();
    await alice.page.locator('[data-upload="notes.txt"]', { hasText: 'Ready' }).waitFor();
    await composer.fill('The photo and the agenda');
    await composer.press('Enter');
    await alice.page.locator('.msg.mine', { hasText: 'The photo and the agenda' }).locator('.thumb-img').waitFor();

    // Bob sees the preview in his list and the message with the thumbnail and the file link.
    const row = bob.page.locator(`[data-conversation="${c.id}"]`);
    await row.locator('[data-preview]', { hasText: 'The photo and the agenda' }).waitFor();
    await row.getByRole('link').click();
    const message = bob.page.locator('.msg.theirs', { hasText: 'The photo and the agenda' });
    const thumb = message.locator('.thumb-img');
    await thumb.waitFor();
    await bob.page.waitForFunction((el) => (el as HTMLImageElement).complete, await thumb.elementHandle());
    const decoded = await thumb.evaluate((el) => {
      const img = el as HTMLImageElement;
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d');
      g?.drawImage(img, 0, 0);
      return { w: img.naturalWidth, h: img.naturalHeight, px: [...(g?.getImageData(5, 5, 1, 1).data ?? [])] };
    });
    assert.deepEqual(decoded, { w: 40, h: 30, px: [200, 30, 90, 255] }, 'the same picture arrived');

    // Full size in a dialog, closed with Escape.
    await message.getByRole('button', { name: /^Open image photo\.png \(\d+ bytes\)$/ }).click();
    const viewer = bob.page.getByRole('dialog', { name: 'photo.png' });
    await viewer.locator('img.viewer-img').waitFor();
    assert.equal(await viewer.locator('img.viewer-img').evaluate((el) => (el as HTMLImageElement).naturalWidth), 40);
    await bob.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });

    // The other file is a download link with its name and size; the download has the same bytes.
    const link = message.getByRole('link', { name: `Download notes.txt, ${notes.length} bytes` });
    assert.equal(await link.locator('.file-name').textContent(), 'notes.txt');
    const [download] = await Promise.all([bob.page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    assert.deepEqual(await readFile(await download.path()), notes);
  });

  test('edit, delete, a reaction and a reply appear live for the other', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const aliceApi = (await server.login('alice')).api;
    const c = await aliceApi.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const say = (text: string, n: number) =>
      aliceApi.request('messages.send', { params: { id: c.id }, body: { text, clientId: `a-${n}` } });
    await say('Lunch at noon?', 1);
    await say('I booked a tabel', 2);
    await say('Bring the slides', 3);
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    // Bob on a phone-sized screen.
    const bob = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string, {
      viewport: { width: 375, height: 740 },
    });
    t.after(() => Promise.all([alice.context.close(), bob.context.close()]));
    await alice.page.goto(`/chats/${c.id}`);
    await bob.page.goto(`/chats/${c.id}`);
    const mineA = (text: string) => alice.page.locator('.msg.mine', { hasText: text });
    const theirsB = (text: string) => bob.page.locator('.msg.theirs', { hasText: text });
    await theirsB('Bring the slides').waitFor();

    // Alice fixes a typo: the composer edits, Enter saves; Bob's copy changes and is marked.
    await (await actionsOf(alice.page, mineA('I booked a tabel'))).getByRole('menuitem', { name: 'Edit' }).click();
    const editField = alice.page.getByRole('textbox', { name: 'Edited text' });
    assert.equal(await editField.inputValue(), 'I booked a tabel');
    await editField.fill('I booked a table');
    await editField.press('Enter');
    await theirsB('I booked a table').filter({ hasText: 'edited' }).waitFor();
    assert.equal(await theirsB('tabel').count(), 0);

    // Bob reacts with 👍 from the menu; Alice sees it and adds hers by the chip.
    await (await actionsOf(bob.page, theirsB('Lunch at noon?')))
      .getByRole('menuitem', { name: 'React with 👍' })
      .click();
    const chipA = mineA('Lunch at noon?').locator('.reaction[data-emoji="👍"]');
    await chipA.filter({ hasText: '👍 1' }).waitFor();
    assert.equal(await chipA.getAttribute('aria-pressed'), 'false');
    await chipA.click();
    const chipB = theirsB('Lunch at noon?').getByRole('button', { name: /^👍 2: .*Alice Adams.*Take yours back$/ });
    await chipB.waitFor();
    assert.equal(await chipB.getAttribute('aria-pressed'), 'true');

    // Bob replies to the question; Alice sees the quote, and the quote leads to the original.
    await (await actionsOf(bob.page, theirsB('Lunch at noon?'))).getByRole('menuitem', { name: 'Reply' }).click();
    await bob.page.getByText('Reply to Alice Adams:').waitFor();
    const bobComposer = bob.page.getByRole('textbox', { name: 'Message to Alice Adams' });
    await bobComposer.fill('Noon works for me');
    await bobComposer.press('Enter');
    const reply = alice.page.locator('.msg.theirs', { hasText: 'Noon works for me' });
    const quote = reply.getByRole('button', { name: 'Reply to Alice Adams: Lunch at noon?. Show the message' });
    await quote.waitFor();
    await quote.click();
    await alice.page.locator('.msg.mine.highlight', { hasText: 'Lunch at noon?' }).waitFor();

    // Alice deletes her newest message by keyboard: menu button, End, Enter, confirm.
    const last = mineA('Bring the slides');
    await last.hover();
    await last.getByRole('button', { name: 'Message actions' }).focus();
    await alice.page.keyboard.press('Enter');
    await alice.page.getByRole('menuitem', { name: 'Reply' }).waitFor();
    await alice.page.keyboard.press('End');
    assert.equal(await alice.page.evaluate(() => document.activeElement?.textContent), 'Delete');
    await alice.page.keyboard.press('Enter');
    const confirm = alice.page.getByRole('dialog', { name: 'Delete this message?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await bob.page.locator('.msg.theirs .msg-text.deleted', { hasText: 'Message deleted' }).waitFor();
    assert.equal(await theirsB('Bring the slides').count(), 0);
    // Its preview in Bob's list follows (the list is beside the conversation on a wide screen).
    await alice.page
      .locator(`[data-conversation="${c.id}"] [data-preview]`, { hasText: 'Noon works for me' })
      .waitFor();
    await bob.page.getByRole('link', { name: 'Back to the list' }).click();
    await bob.page
      .locator(`[data-conversation="${c.id}"] [data-preview]`, { hasText: 'You: Noon works for me' })
      .waitFor();
  });

  test('a group of three: created with a title and members, members shown, messages to all', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    const bob = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string);
    const carol = await signedIn(browser(), server.url, 'carol@example.test', server.passwords.carol as string, {
      viewport: { width: 375, height: 740 },
    });
    t.after(() => Promise.all([alice.context.close(), bob.context.close(), carol.context.close()]));

    await alice.page.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'New group' });
    // Neither a title nor members: the form says what is missing.
    await dialog.getByRole('button', { name: 'Create group' }).click();
    assert.equal(await dialog.getByLabel('Title').evaluate((el) => (el as HTMLInputElement).validity.valid), false);
    await dialog.getByLabel('Title').fill('Launch crew');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Choose at least one member.' }).waitFor();
    const find = dialog.getByRole('searchbox', { name: 'Find colleagues' });
    await find.fill('bob');
    await dialog.getByRole('checkbox', { name: /Bob Baker/ }).check();
    await find.fill('carol');
    await dialog.getByRole('checkbox', { name: /Carol Clark/ }).check();
    await dialog.getByText('Chosen: 2').waitFor();
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await alice.page.getByRole('heading', { name: 'Launch crew' }).waitFor();
    assert.match(alice.page.url(), /\/chats\/[^/]+$/);

    // Everybody has it; the header says how many are in it and lists them.
    for (const p of [bob.page, carol.page]) await p.locator('[data-name="Launch crew"]').waitFor();
    const composer = alice.page.getByRole('textbox', { name: 'Message to Launch crew' });
    await composer.fill('Welcome, crew!');
    await composer.press('Enter');
    await carol.page.locator('[data-name="Launch crew"] .unread', { hasText: '1' }).waitFor();
    await carol.page
      .locator('[data-name="Launch crew"] [data-preview]', { hasText: 'Alice Adams: Welcome, crew!' })
      .waitFor();
    await carol.page.locator('[data-name="Launch crew"]').getByRole('link').click();
    const fromAlice = carol.page.locator('.msg.theirs', { hasText: 'Welcome, crew!' });
    assert.equal(await fromAlice.locator('.msg-sender').textContent(), 'Alice Adams');
    const carolComposer = carol.page.getByRole('textbox', { name: 'Message to Launch crew' });
    await carolComposer.fill('Glad to be here');
    await carolComposer.press('Enter');

    await bob.page.locator('[data-name="Launch crew"]').getByRole('link').click();
    await bob.page.locator('.msg.theirs', { hasText: 'Welcome, crew!' }).waitFor();
    const fromCarol = bob.page.locator('.msg.theirs', { hasText: 'Glad to be here' });
    assert.equal(await fromCarol.locator('.msg-sender').textContent(), 'Carol Clark');
    // Alice's message was read by both others.
    await alice.page.locator('.msg.mine', { hasText: 'Welcome, crew!' }).locator('[data-receipt="read"]').waitFor();

    await bob.page.getByRole('button', { name: 'Members (3)' }).click();
    const members = bob.page.getByRole('dialog', { name: 'Members of Launch crew' });
    for (const [address, role] of [
      ['alice@example.test', 'Owner'],
      ['bob@example.test', 'Member'],
      ['carol@example.test', 'Member'],
    ])
      await members.locator(`[data-member="${address}"]`, { hasText: role }).waitFor();
    assert.equal(await members.getByRole('button', { name: /^Add chosen/ }).count(), 0, 'members cannot add');

    // Carol leaves; the others see two members.
    await carol.page.getByRole('button', { name: 'Members (3)' }).click();
    await carol.page.getByRole('button', { name: 'Leave group' }).click();
    await carol.page
      .getByRole('dialog', { name: 'Leave Launch crew?' })
      .getByRole('button', { name: 'Leave group' })
      .click();
    await carol.page.locator('[data-name="Launch crew"]').waitFor({ state: 'detached' });
    await alice.page.getByRole('button', { name: 'Members (2)' }).waitFor();
    await members.locator('[data-member="carol@example.test"]').waitFor({ state: 'detached' });
  });

  test('search finds an old message and jumps to it, loading the history up to it', async (t) => {
    // 160 messages in a row: more than the default rate limit lets one user send at once.
    const server = await startWebServer({ PARLEY_MESSAGING_RATE_LIMIT_BURST: '200' });
    t.after(() => server.dispose());
    const carolApi = (await server.login('carol')).api;
    const c = await carolApi.request('conversations.create', { body: { members: ['alice@example.test'] } });
    for (let i = 1; i <= 160; i++) {
      const text = i === 4 ? 'the quarterly zebra figures are final' : `status update ${i}`;
      await carolApi.request('messages.send', { params: { id: c.id }, body: { text, clientId: `s${i}` } });
    }
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page } = alice;
    await page.locator('[data-name="Carol Clark"] .unread', { hasText: '160' }).waitFor();

    await page.getByRole('searchbox', { name: 'Search messages' }).fill('Zebra');
    const results = page.getByRole('region', { name: 'Messages found' });
    await results.getByText('Messages found: 1').waitFor();
    const hit = results.getByRole('button', { name: /Carol Clark.*quarterly zebra figures/ });
    assert.equal(await hit.locator('mark').textContent(), 'zebra');
    await hit.click();

    const log = page.getByRole('log', { name: 'Messages with Carol Clark' });
    const found = log.locator('.msg.highlight', { hasText: 'the quarterly zebra figures are final' });
    await found.waitFor();
    assert.ok(await inView(found), 'scrolled to the message');
    assert.ok((await log.locator('.msg').count()) >= 157, 'the history back to it is loaded, without a hole');
    const seqs = await log.locator('.msg').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))));
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => (seqs[0] as number) + i),
    );
    // No result for something nobody wrote.
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('unicorn');
    await results.getByText('No message contains “unicorn”.').waitFor();
  });

  test('desktop notifications: asked for in the settings (not on load), shown for messages not on screen', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const { bobApi, carolApi, withBob, withCarol } = await chatsWithAlice(server);
    const context = await browser().newContext({
      baseURL: server.url,
      locale: 'en-US',
      viewport: { width: 1100, height: 760 },
    });
    t.after(() => context.close());
    // Stands in for the browser's notifications: records what is shown and when permission is
    // asked for; the user grants it when asked.
    // (A string: the test's TypeScript is compiled with helpers that do not exist in the page.)
    await context.addInitScript({
      content: `
        window.shown = [];
        window.asked = 0;
        // The grant lasts, like the browser's, across reloads.
        let permission = localStorage.getItem('test.permission') || 'default';
        window.Notification = class {
          constructor(title, options) {
            this.onclick = null;
            window.shown.push({ title, body: options && options.body, tag: options && options.tag });
            window.last = this;
          }
          static get permission() { return permission; }
          static async requestPermission() {
            window.asked++;
            permission = 'granted';
            localStorage.setItem('test.permission', permission);
            return permission;
          }
          close() {}
        };
      `,
    });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Address').fill('alice@example.test');
    await page.getByLabel('Password').fill(server.passwords.alice as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.topbar').waitFor();
    const shown = () => page.evaluate(() => (window as unknown as { shown: unknown[] }).shown);

    // Off until turned on: a message now shows nothing, and nothing was asked.
    await page.goto(`/chats/${withCarol.id}`);
    await bobApi.request('messages.send', { params: { id: withBob.id }, body: { text: 'too early', clientId: 'b0' } });
    await page.locator('[data-name="Bob Baker"] .unread', { hasText: '1' }).waitFor();
    assert.deepEqual(await shown(), []);
    assert.equal(await page.evaluate(() => (window as unknown as { asked: number }).asked), 0);

    await page.getByRole('button', { name: 'Settings' }).click();
    const toggle = page.getByRole('checkbox', { name: 'Desktop notifications for new messages' });
    await toggle.check();
    assert.equal(await toggle.isChecked(), true);
    assert.equal(await page.evaluate(() => (window as unknown as { asked: number }).asked), 1);
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();

    // Bob writes while Alice has Carol's conversation open: a notification; Carol writes into
    // the open conversation: none.
    await bobApi.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'Call me when you can', clientId: 'b1' },
    });
    await page.waitForFunction(() => (window as unknown as { shown: unknown[] }).shown.length === 1);
    assert.deepEqual(await shown(), [{ title: 'Bob Baker', body: 'Call me when you can', tag: withBob.id }]);
    await carolApi.request('messages.send', {
      params: { id: withCarol.id },
      body: { text: 'on screen', clientId: 'c1' },
    });
    await page.locator('.msg.theirs', { hasText: 'on screen' }).waitFor();
    await page.waitForTimeout(300);
    assert.equal((await shown()).length, 1);

    // A click on the notification opens its conversation.
    await page.evaluate(() => (window as unknown as { last: { onclick: () => void } }).last.onclick());
    await page.locator('.msg.theirs', { hasText: 'Call me when you can' }).waitFor();
    assert.match(page.url(), new RegExp(`/chats/${withBob.id}$`));
    // The choice stays across a reload, without asking again.
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    assert.equal(await toggle.isChecked(), true);
    assert.equal(await page.evaluate(() => (window as unknown as { asked: number }).asked), 0);
    // Turned off: no more notifications.
    await toggle.uncheck();
    await page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();
    await page.goto(`/chats/${withCarol.id}`);
    await bobApi.request('messages.send', { params: { id: withBob.id }, body: { text: 'quiet now', clientId: 'b2' } });
    await page.locator('[data-name="Bob Baker"] .unread', { hasText: '1' }).waitFor();
    assert.deepEqual(await shown(), []);
  });

  test('a lost event (a gap in the sequence) is fetched from the store; edits and reactions made while offline arrive after reconnect', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const { bobApi, carolApi, withBob, withCarol } = await chatsWithAlice(server);
    const old = await bobApi.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'meeting at 3', clientId: 'b0' },
    });
    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    const { page, context } = alice;

    // The event socket passes through a relay that can drop events and cut the connection.
    let dropped = 0;
    let hellos = 0;
    let socket: WebSocketRoute | null = null;
    await context.routeWebSocket(/\/api\/v1\/events/, (ws) => {
      socket = ws;
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => {
        if (typeof m === 'string' && m.includes('"message.created"') && m.includes('lost in transit')) {
          dropped++;
          return;
        }
        if (typeof m === 'string' && m.startsWith('{"type":"hello"')) hellos++;
        ws.send(m);
      });
    });
    await page.goto(`/chats/${withBob.id}`);
    await page.locator('.msg.theirs', { hasText: 'meeting at 3' }).waitFor();
    // Only events sent after the socket's hello can be lost on the way (before, catch-up has them).
    for (let i = 0; hellos === 0; i++) {
      assert.ok(i < 500, 'the event socket said hello within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }

    const say = (api: typeof bobApi, id: string, text: string, clientId: string) =>
      api.request('messages.send', { params: { id }, body: { text, clientId } });
    await say(bobApi, withBob.id, 'lost in transit', 'b1');
    await say(bobApi, withBob.id, 'arrives live', 'b2');
    await page.locator('.msg.theirs', { hasText: 'arrives live' }).waitFor();
    await page.locator('.msg.theirs', { hasText: 'lost in transit' }).waitFor();
    assert.equal(dropped, 1, 'the relay dropped the event');
    assert.deepEqual(await page.locator('.msg.theirs .msg-text').allTextContents(), [
      'meeting at 3',
      'lost in transit',
      'arrives live',
    ]);
    // In a conversation that is not open, the unread count counts the lost one too.
    await say(carolApi, withCarol.id, 'lost in transit (carol)', 'c1');
    await say(carolApi, withCarol.id, 'second from carol', 'c2');
    await page.locator('[data-name="Carol Clark"] .unread', { hasText: '2' }).waitFor();
    assert.equal(dropped, 2);

    // The connection goes; meanwhile Bob edits his old message and reacts to Alice's reply.
    const mine = await (await server.login('alice')).api.request('messages.send', {
      params: { id: withBob.id },
      body: { text: 'see you there', clientId: 'a1' },
    });
    await page.locator('.msg.mine', { hasText: 'see you there' }).waitFor();
    const reconnect = await hold(page, '**/api/v1/auth/ticket');
    (socket as WebSocketRoute | null)?.close({ code: 4000, reason: 'cut' });
    await page.getByTestId('connection-banner').waitFor();
    await bobApi.request('messages.edit', {
      params: { id: withBob.id, messageId: old.id },
      body: { text: 'meeting at 4' },
    });
    await bobApi.request('messages.react', { params: { id: withBob.id, messageId: mine.id, emoji: '🎉' } });
    reconnect();
    await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
    await page.locator('.msg.theirs', { hasText: 'meeting at 4' }).filter({ hasText: 'edited' }).waitFor();
    await page.locator('.msg.mine', { hasText: 'see you there' }).locator('.reaction', { hasText: '🎉 1' }).waitFor();
    assert.equal(await page.locator('.msg', { hasText: 'meeting at 3' }).count(), 0);
  });
}
