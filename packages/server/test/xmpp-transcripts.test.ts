import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from './support/server.js';
import { b64, RawXmpp } from './support/xmpp.js';

/**
 * The XMPP conversations of test/transcripts/xmpp, replayed against the real c2s listener (the
 * `s2s-*` ones against the server-to-server listener): the server must answer each line of the
 * client (or peer server) with exactly the recorded lines (ids and tokens aside).
 */
const transcripts = new URL('./transcripts/xmpp/', import.meta.url);

let server: TestServer;
let port: number;
let s2sPort: number;
let vars: Record<string, string>;

before(async () => {
  server = await startTestServer();
  port = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
  s2sPort = server.listeners.find((l) => l.name === 'xmpp-s2s')?.port as number;
  const carol = await server.user('carol@a.test');
  vars = { plain: b64(`\0carol\0${carol.password}`) };
});
after(() => server.stop());

/** An expected line as a pattern anchored at what the server sent next; `*` is any attribute value. */
const expected = (line: string) =>
  new RegExp(`^${line.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^"<>]*')}`);

for (const file of readdirSync(transcripts).filter((f) => f.endsWith('.txt'))) {
  test(`transcript ${file}`, async () => {
    const raw = await RawXmpp.open(file.startsWith('s2s-') ? s2sPort : port);
    const lines = readFileSync(new URL(file, transcripts), 'utf8').split('\n');
    for (const line of lines) {
      if (line.startsWith('C: ')) raw.send(line.slice(3).replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? ''));
      else if (line.startsWith('S: ')) await raw.expect(expected(line.slice(3)));
      else if (line === 'TLS') await raw.upgrade('a.test');
    }
    await raw.ended();
  });
}
