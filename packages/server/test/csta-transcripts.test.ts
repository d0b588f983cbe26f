import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Framing } from '../src/adapters/csta/framing.js';
import { CstaClient, startSession } from './support/csta.js';
import { startTestServer, type TestServer } from './support/server.js';
import { phoneFor, SDP, type SipPhone } from './support/sip-phone.js';

/**
 * The CSTA conversations of test/transcripts/csta (built from the templates in
 * test/fixtures/csta), replayed against the real listener in both framings: a CTI application of
 * alice (line 201) calling bob (line 202), whose SIP phones answer as phones do: alice's in
 * auto-answer mode, bob's ringing.
 */
const transcripts = new URL('./transcripts/csta/', import.meta.url);
const fixtures = new URL('./fixtures/csta/', import.meta.url);

let server: TestServer;
let port: number;
const phones: SipPhone[] = [];

before(async () => {
  server = await startTestServer();
  port = server.listeners.find((l) => l.name === 'csta')?.port as number;
  const alice = await server.user('alice@a.test', { password: 'alice password' });
  const bob = await server.user('bob@a.test');
  await server.core.lines.add(alice.tenantId, { number: '201', userId: alice.userId });
  await server.core.lines.add(bob.tenantId, { number: '202', userId: bob.userId });
  for (const [person, address, invite] of [
    [alice, 'alice@a.test', { status: 200, sdp: SDP(40000) }],
    [bob, 'bob@a.test', 180],
  ] as const) {
    const phone = await phoneFor(server, address, 'udp', person);
    phone.autoAnswer = (r) => (r.method === 'INVITE' ? invite : r.method === 'ACK' ? undefined : 200);
    phones.push(phone);
    await phone.register(600);
  }
});
after(async () => {
  for (const p of phones) p.close();
  await server.stop();
});

/** Replays one transcript; returns the variables it captured. */
async function replay(client: CstaClient, text: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  const fill = (v: string) => v.replace(/\$(\w+)/g, (all, name: string) => vars[name] ?? all);
  let lastInvoke: string | undefined;
  for (const [n, line] of text.split('\n').entries()) {
    if (line.startsWith('> ')) {
      const [file = '', ...pairs] = line.slice(2).split(' ');
      const values = Object.fromEntries(
        pairs.map((p) => [p.slice(0, p.indexOf('=')), fill(p.slice(p.indexOf('=') + 1))]),
      );
      const xml = file.startsWith('<') ? file : readFileSync(new URL(file, fixtures), 'utf8');
      lastInvoke = client.send(xml.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? ''));
    } else if (line.startsWith('< ')) {
      const [root = '', ...checks] = line.slice(2).split(' ');
      const isEvent = root.endsWith('Event');
      const header = client.framing === 'header';
      const message = await client.next(
        (m) =>
          m.root.name === root ||
          (!isEvent && m.root.name === 'CSTAErrorCode' && (!header || m.invokeId === lastInvoke)),
      );
      assert.equal(message.root.name, root, `line ${n + 1}: ${message.xml}`);
      if (header) assert.equal(message.invokeId, isEvent ? '9999' : lastInvoke, `line ${n + 1}: invoke id`);
      for (const check of checks) {
        const [path = '', expected = ''] = check.split('=');
        if (path === 'ns') {
          assert.equal(
            message.namespace,
            `http://www.ecma-international.org/standards/ecma-323/csta/${expected}`,
            `line ${n + 1}`,
          );
          continue;
        }
        const actual = message.text(path);
        const variable = /^\$(\w+)$/.exec(expected)?.[1];
        if (variable && vars[variable] === undefined) {
          assert.ok(actual, `line ${n + 1}: ${path} is missing in ${message.xml}`);
          vars[variable] = actual;
        } else assert.equal(actual, fill(expected), `line ${n + 1}: ${path} in ${message.xml}`);
      }
    }
  }
  return vars;
}

for (const name of readdirSync(transcripts).filter((f) => f.endsWith('.txt'))) {
  describe(`CSTA transcript ${name}`, () => {
    for (const framing of ['header', 'nul'] as Framing[]) {
      test(`${framing} framing`, async () => {
        const client = await CstaClient.open(port, framing);
        try {
          const login = await client.ask(startSession('alice@a.test', 'alice password'));
          assert.equal(login.root.name, 'StartApplicationSessionPosResponse', login.xml);
          const vars = await replay(client, readFileSync(new URL(name, transcripts), 'utf8'));
          assert.ok(Object.keys(vars).length > 0);
          assert.deepEqual(client.pending(), [], 'nothing unexpected arrived');
        } finally {
          client.close();
        }
      });
    }
  });
}
