import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { WebTestServer } from './server.js';

/** Debian's Chromium; never a downloaded browser. */
export const chromiumPath = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumMissing(): string | null {
  return existsSync(chromiumPath) ? null : `${chromiumPath} not found (apt-get install chromium)`;
}

/** Headless Chromium with a fresh temporary profile (playwright creates and removes it). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
      '--disable-quic',
    ],
  });
}

/**
 * One Chromium for the tests of a file: launched before the first, closed after the last. Call it
 * at the top level of the file (it registers the hooks); the result gives the browser in a test.
 */
export function browserForFile(): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());
  return () => {
    if (!browser) throw new Error('Chromium is not running (its before hook has not run)');
    return browser;
  };
}

/**
 * The session token of a signed-in browser context: the HttpOnly cookie no script of the page can
 * read, taken here to act for the same session through the API (a bearer token works too).
 */
export async function sessionToken(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === 'parley_session');
  if (!cookie) throw new Error('no session cookie: not signed in');
  return cookie.value;
}

export interface Person {
  context: BrowserContext;
  page: Page;
}

/** A browser context of its own (cookies, localStorage) with an English UI, signed in. */
export async function signedIn(
  browser: Browser,
  baseURL: string,
  address: string,
  password: string,
  options: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<Person> {
  const context = await browser.newContext({
    baseURL,
    locale: options.locale ?? 'en-US',
    viewport: options.viewport ?? { width: 1100, height: 760 },
    timezoneId: 'Europe/Berlin',
  });
  const page = await context.newPage();
  await page.goto('/');
  await signIn(page, address, password);
  await page.locator('.topbar').waitFor();
  return { context, page };
}

/** Fills in and sends the sign-in form of a page that shows it. */
export async function signIn(page: Page, address: string, password: string): Promise<void> {
  await page.getByLabel('Address').fill(address);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * A fresh server's 1:1 conversation of alice and bob (created through the API), with both signed
 * in to the web app in browser contexts of their own, closed when the test ends.
 */
export async function aliceAndBobInAChat(
  t: { after: (fn: () => unknown) => void },
  browser: Browser,
  server: WebTestServer,
) {
  const { api } = await server.login('alice');
  const c = await api.request('conversations.create', { body: { members: ['bob@example.test'] } });
  const alice = await signedIn(browser, server.url, 'alice@example.test', server.passwords.alice as string);
  const bob = await signedIn(browser, server.url, 'bob@example.test', server.passwords.bob as string);
  t.after(() => Promise.all([alice.context.close(), bob.context.close()]));
  return { c, alice, bob };
}
