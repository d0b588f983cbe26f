// Strophe.js (a BOSH client nobody on this team wrote) in Chromium signs in over /http-bind
// (XEP-0206) from a page of another origin (so CORS and its preflight are on the path), exchanges
// messages and presence with a web-app user through the REST API, and signs off.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { type Listener, listen } from '../support/events.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { probeBinary } from './support/sip-peers.js';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const DOMAIN = 'strophe.test';
const BOUND = { timeout: 60_000 };

const skip = await requirePeer('Chromium', () => probeBinary(CHROMIUM, ['--version']));

/** Strophe's browser build: it sets `Strophe`, `$msg` and `$pres` on the page's global object. */
const stropheBundle = () => {
  const pkg = createRequire(import.meta.url).resolve('strophe.js/package.json');
  return readFileSync(join(dirname(pkg), 'dist/strophe.umd.cjs'), 'utf8');
};

/** A stanza the page's handlers saw (`from` is matched as a prefix). */
type Seen = { kind: string; from: string; body?: string; show?: string };
/** The DOM element a Strophe handler gets (no DOM types in this project). */
type El = {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): { textContent: string | null }[];
};
type Page$ = { conn: { send(s: unknown): void; disconnect(): void }; seen: Seen[] };

describe('Strophe.js in Chromium over BOSH (/http-bind)', { skip }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: Awaited<ReturnType<TestServer['user']>>;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let conversationId: string;

  let events: Listener;
  const BARE = `alice@${DOMAIN}`;

  /** Waits until the page saw a stanza like `want`. */
  const seen = (want: Seen) =>
    page.waitForFunction(
      (w) =>
        (globalThis as unknown as Page$).seen.some(
          (s) => s.kind === w.kind && s.from.startsWith(w.from) && s.body === w.body && s.show === w.show,
        ),
      want,
      BOUND,
    );

  before(async () => {
    t = await startTestServer();
    alice = await t.user(`alice@${DOMAIN}`);
    bob = await t.user(`bob@${DOMAIN}`);
    conversationId = (await bob.api.request('conversations.create', { body: { members: [`alice@${DOMAIN}`] } })).id;
    events = await listen(t.url, bob.token);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    });
    const context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    // The page is http://localhost:PORT, the connection manager http://127.0.0.1:PORT: another origin.
    const port = new URL(t.url).port;
    await page.goto(`http://localhost:${port}/healthz`);
    await page.addScriptTag({ content: stropheBundle() });
    await page.evaluate(
      ({ service, jid, password }) => {
        type S = typeof import('strophe.js');
        const w = globalThis as unknown as Page$ & Pick<S, 'Strophe' | '$pres'>;
        const { Strophe, $pres } = w;
        const conn = new Strophe.Connection(service);
        w.conn = conn as unknown as Page$['conn'];
        w.seen = [];
        conn.addHandler(
          (m: El) => {
            const body = m.getElementsByTagName('body')[0]?.textContent ?? undefined;
            w.seen.push({ kind: 'message', from: m.getAttribute('from') ?? '', body });
            return true;
          },
          null,
          'message',
        );
        conn.addHandler(
          (p: El) => {
            const show = p.getElementsByTagName('show')[0]?.textContent ?? undefined;
            w.seen.push({ kind: 'presence', from: p.getAttribute('from') ?? '', show });
            return true;
          },
          null,
          'presence',
        );
        return new Promise<void>((resolve, reject) => {
          conn.connect(jid, password, (status: number, condition: string | null) => {
            if (status === Strophe.Status.CONNECTED) {
              conn.send($pres());
              resolve();
            } else if (status === Strophe.Status.AUTHFAIL || status === Strophe.Status.CONNFAIL) {
              reject(new Error(`Strophe status ${status}: ${condition}`));
            }
          });
        });
      },
      { service: `${t.url}/http-bind`, jid: `alice@${DOMAIN}/strophe`, password: alice.password },
    );
  });
  after(async () => {
    events?.close();
    await browser?.close();
    await t?.stop();
  });

  test('its presence makes alice available to the web user; bob’s presence reaches it', async () => {
    await events.next('presence.changed', (e) => e.user === BARE && e.presence.availability === 'available');
    await bob.api.request('presence.me.set', { query: {}, body: { availability: 'away' } });
    await seen({ kind: 'presence', from: `bob@${DOMAIN}`, show: 'away' });
  });

  test('a message each way: Strophe → the web user’s conversation, the web user → Strophe', async () => {
    await page.evaluate((to) => {
      const w = globalThis as unknown as Page$ & Pick<typeof import('strophe.js'), '$msg'>;
      w.conn.send(w.$msg({ to, type: 'chat' }).c('body').t('Hello from Strophe over BOSH'));
    }, `bob@${DOMAIN}`);
    const created = await events.next('message.created', (e) => e.message.text === 'Hello from Strophe over BOSH');
    assert.equal(created.conversationId, conversationId);
    assert.equal(created.message.sender, BARE);
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'Hello back from the web', clientId: 'web-1' },
    });
    await seen({ kind: 'message', from: `bob@${DOMAIN}`, body: 'Hello back from the web' });
  });

  test('disconnect sends terminate: the core sees alice go offline', async () => {
    await page.evaluate(() => (globalThis as unknown as Page$).conn.disconnect());
    await events.next('presence.changed', (e) => e.user === BARE && e.presence.availability === 'offline');
  });
});
