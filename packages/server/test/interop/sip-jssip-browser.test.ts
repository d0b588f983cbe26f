// JsSIP in Chromium (WebRTC: ICE, DTLS-SRTP, Chromium's fake microphone) registers over /sip-ws,
// calls a baresip phone registered over UDP (the switch passes the SDP through; the call is set up
// and torn down, but baresip 1.0's ICE does not complete with Chromium, so no audio is checked
// there) and calls another browser page, whose WebRTC stats must show the caller's audio.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type Baresip, probeBaresip, startBaresip } from './support/baresip.js';
import { probeBinary } from './support/sip-peers.js';

const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
const DOMAIN = 'webrtc.test';
const WEBRTC_FLAGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];
type User = Awaited<ReturnType<TestServer['user']>>;
type Device = Awaited<ReturnType<TestServer['core']['devices']['create']>>;

const skip = await requirePeer('Chromium + baresip', async () => {
  await probeBinary(CHROMIUM, ['--version']);
  await probeBaresip();
});

/** JsSIP's CommonJS build bundled for the page (the npm package ships no browser bundle). */
async function jssipBundle(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('jssip');
  const out = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'JsSIP', write: false });
  return out.outputFiles[0]?.text ?? '';
}

describe('JsSIP in Chromium over /sip-ws calls a baresip phone through Parley', { skip }, () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  let phone: Baresip;
  let context: BrowserContext;
  let bundle: string;
  let carol: User;

  /** A page of its own in which JsSIP registers at /sip-ws as `user`'s new device (window.ua). */
  async function registeredPage(local: string, user: User, d?: Device): Promise<Page> {
    const { device, password } = d ?? (await t.core.devices.create(user.tenantId, user.userId, { name: 'browser' }));
    // An http://127.0.0.1 page is a secure context (getUserMedia); CSP is bypassed for the script tag.
    const p = await context.newPage();
    await p.goto(`${t.url}/readyz`);
    await p.addScriptTag({ content: bundle });
    await p.evaluate(
      ({ ws, uri, user, password }) => {
        const w = globalThis as unknown as Record<string, unknown> & { JsSIP: typeof import('jssip') };
        const ua = new w.JsSIP.UA({
          sockets: [new w.JsSIP.WebSocketInterface(ws)],
          uri,
          authorization_user: user,
          password,
          register_expires: 600,
        });
        w.ua = ua;
        return new Promise<void>((resolve, reject) => {
          ua.once('registered', () => resolve());
          ua.once('registrationFailed', (e) => reject(new Error(`registration failed: ${e.cause}`)));
          ua.start();
        });
      },
      {
        ws: `${t.url.replace(/^http/, 'ws')}/sip-ws`,
        uri: `sip:${local}@${DOMAIN}`,
        user: device.username,
        password,
      },
    );
    return p;
  }

  before(async () => {
    t = await startTestServer();
    const alice = await t.user(`alice@${DOMAIN}`);
    const bob = await t.user(`bob@${DOMAIN}`);
    const browserDevice = await t.core.devices.create(alice.tenantId, alice.userId, { name: 'browser' });
    carol = await t.user(`carol@${DOMAIN}`);
    const bobDevice = await t.core.devices.create(bob.tenantId, bob.userId, { name: 'baresip' });
    const udp = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(udp);
    phone = await startBaresip({
      account: { user: 'bob', password: bobDevice.password },
      authUser: bobDevice.device.username,
      domain: DOMAIN,
      registrar: `${udp.host}:${udp.port}`,
      autoAnswer: true,
      webrtc: true,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Chromium's fake microphone (a beep), no permission prompt, ICE candidates on loopback too.
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', ...WEBRTC_FLAGS],
    });
    context = await browser.newContext({ bypassCSP: true });
    bundle = await jssipBundle();
    page = await registeredPage('alice', alice, browserDevice);
  });
  after(async () => {
    await browser?.close();
    await phone?.stop();
    await t?.stop();
  });

  /** Calls `target` from the page's JsSIP (window.session); resolves once the call is confirmed. */
  const call = (from: Page, target: string) =>
    from.evaluate((uri) => {
      const w = globalThis as unknown as Record<string, unknown> & { ua: import('jssip').UA };
      return new Promise<string>((resolve, reject) => {
        const session = w.ua.call(uri, { mediaConstraints: { audio: true, video: false } });
        w.session = session;
        session.on('confirmed', () => resolve('confirmed'));
        session.on('failed', (e) => reject(new Error(`call failed: ${e.cause}`)));
      });
    }, target);
  const hangUp = (from: Page) =>
    from.evaluate(() =>
      (globalThis as unknown as { session: import('jssip/lib/RTCSession.js').RTCSession }).session.terminate(),
    );

  test('a call to baresip (DTLS-SRTP, ICE, rtcp-mux) is confirmed at both ends; the browser hangs up', async () => {
    const from = phone.events.length;
    assert.equal(await call(page, `sip:bob@${DOMAIN}`), 'confirmed');
    await phone.waitEvent('CALL_ESTABLISHED', { from });
    await hangUp(page);
    await phone.waitEvent('CALL_CLOSED', { from });
  });

  test('browser to browser: the callee answers, the caller’s fake microphone is heard, the caller hangs up', async () => {
    const callee = await registeredPage('carol', carol);
    await callee.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown> & { ua: import('jssip').UA };
      w.ua.on('newRTCSession', (e: import('jssip/lib/UA.js').IncomingRTCSessionEvent) => {
        if (e.originator !== 'remote') return;
        w.session = e.session;
        e.session.on('ended', () => {
          w.ended = true;
        });
        e.session.answer({ mediaConstraints: { audio: true, video: false } });
      });
    });
    assert.equal(await call(page, `sip:carol@${DOMAIN}`), 'confirmed');
    // The callee's inbound audio: packets decoded with a level above silence (Chromium's beep).
    await callee.waitForFunction(
      async () => {
        type Stat = { type: string; kind?: string; packetsReceived: number; totalAudioEnergy: number };
        type Pc = { getStats(): Promise<Map<string, Stat>> };
        const session = (globalThis as unknown as { session?: { connection?: Pc } }).session;
        if (!session?.connection) return false;
        for (const r of (await session.connection.getStats()).values())
          if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.packetsReceived > 50 && r.totalAudioEnergy > 0)
            return true;
        return false;
      },
      undefined,
      { timeout: 60_000, polling: 200 },
    );
    await hangUp(page);
    await callee.waitForFunction(() => (globalThis as unknown as { ended?: boolean }).ended === true, undefined, {
      timeout: 60_000,
    });
  });
});
