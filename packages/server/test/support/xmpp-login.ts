// A standard XMPP client (@xmpp/client) logged in to a test server's c2s listener over STARTTLS
// with SCRAM, as a user's client would be (the test server's certificate is self-signed).
import { client } from '@xmpp/client';
import type { TestServer } from './server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export type XmppClient = ReturnType<typeof client>;

export async function xmppLogin(
  server: TestServer,
  user: { username: string; password: string; resource: string },
): Promise<XmppClient> {
  const port = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: 'example.test', ...user });
  xmpp.timeout = 20_000;
  xmpp.on('error', () => undefined);
  await xmpp.start();
  return xmpp;
}

/** A bound generous enough for a busy machine. */
export const WAIT_MS = 30_000;

/** Polls `probe` until it returns something, within WAIT_MS (not a fixed wait). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
