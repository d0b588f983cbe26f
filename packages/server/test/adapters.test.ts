import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { connect, createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Adapter, Listener } from '../src/adapters/adapter.js';
import { ParleyError } from '../src/core/errors.js';
import type { Config } from '../src/platform/config/schema.js';
import { call } from './support/http.js';
import { startTestServer, type TestServer } from './support/server.js';

/**
 * A protocol as a later adapter adds one: a route and a WebSocket path on the shared HTTP
 * listener, and a TCP listener of its own (an echo), all through its context.
 */
const events: string[] = [];
let listenersAtStop: () => Listener[] = () => [];
const probe: Adapter<Config['http']> = {
  name: 'probe',
  config: (config) => config.http,
  async start(ctx) {
    listenersAtStop = ctx.listeners;
    ctx.http.route('GET', '/probe', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`probe of ${ctx.core.ctx.cluster.nodeId}`);
    });
    ctx.http.websocket('/probe-ws', {
      authenticate: async (req) => {
        if (req.headers['x-probe'] !== 'yes') throw new ParleyError('PARLEY_ERR_UNAUTHENTICATED', 'no probe header');
        return { from: req.ip };
      },
      accept: (socket, auth) => socket.send(`hello ${auth.from}`),
    });
    const echo = createServer((socket) => socket.pipe(socket));
    await ctx.listen(echo, { name: 'probe-echo', setting: 'probe', host: ctx.config.host, port: 0, serves: 'echo' });
    events.push('start');
  },
  async stop() {
    // Stopped before the HTTP adapter: the shared listener still answers.
    const http = listenersAtStop().find((l) => l.name === 'http');
    const res = await fetch(`${http?.url}/healthz`);
    events.push(`stop (healthz ${res.status})`);
  },
};

let t: TestServer;
before(async () => {
  // LDAP is off unless a port is set: on here, to be listed.
  t = await startTestServer({ 'ldap.port': 0, 'ldap.tls.port': 0 }, { adapters: [probe] });
});
// The last test stops it; this is for when a test before it fails (a second stop does nothing).
after(() => t.stop());

describe('an adapter after the built-in ones', () => {
  test('its route answers on the shared HTTP listener', async () => {
    const res = await fetch(`${t.url}/probe`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^probe of /);
  });

  test('its WebSocket path authenticates before the upgrade', async () => {
    const url = `${t.url.replace(/^http/, 'ws')}/probe-ws`;
    const refused = new WebSocket(url);
    const status = await new Promise<number>((resolve, reject) => {
      refused.once('unexpected-response', (_req, res: IncomingMessage) => resolve(res.statusCode ?? 0));
      refused.once('open', () => reject(new Error('opened without the header')));
    });
    assert.equal(status, 401);
    const ws = new WebSocket(url, { headers: { 'x-probe': 'yes' } });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(hello, 'hello 127.0.0.1');
  });

  test('its own TCP listener got a free port, reported in the start result and /readyz', async () => {
    const listener = t.listeners.find((l) => l.name === 'probe-echo');
    assert.ok(listener && listener.port > 0);
    assert.equal(listener.url, `tcp://127.0.0.1:${listener.port}`);
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = connect(listener.port, '127.0.0.1', () => socket.end('ping'));
      let got = '';
      socket.on('data', (d) => {
        got += d;
      });
      socket.once('end', () => resolve(got));
      socket.once('error', reject);
    });
    assert.equal(echoed, 'ping');
    const sip = t.listeners.find((l) => l.name === 'sip-udp')?.url;
    const tls = t.listeners.find((l) => l.name === 'sip-tls')?.url;
    const csta = t.listeners.find((l) => l.name === 'csta')?.url;
    const xmpp = t.listeners.find((l) => l.name === 'xmpp-c2s')?.url;
    const xmpps = t.listeners.find((l) => l.name === 'xmpp-c2s-tls')?.url;
    const s2s = t.listeners.find((l) => l.name === 'xmpp-s2s')?.url;
    const ldap = t.listeners.find((l) => l.name === 'ldap')?.url;
    const ldaps = t.listeners.find((l) => l.name === 'ldaps')?.url;
    const ready = await call(t.url, 'GET', '/readyz');
    const body = ready.body as { listeners: { name: string; adapter: string; transport: string; url: string }[] };
    assert.deepEqual(body.listeners.map((l) => `${l.adapter} ${l.name} ${l.transport} ${l.url}`).sort(), [
      `csta csta tcp ${csta}`,
      `http http tcp ${t.url}`,
      `ldap ldap tcp ${ldap}`,
      `ldap ldaps tls ${ldaps}`,
      `probe probe-echo tcp ${listener.url}`,
      `sip sip-tcp tcp ${sip}`,
      `sip sip-tls tls ${tls}`,
      `sip sip-udp udp ${sip}`,
      `xmpp xmpp-c2s tcp ${xmpp}`,
      `xmpp xmpp-c2s-tls tls ${xmpps}`,
      `xmpp xmpp-s2s tcp ${s2s}`,
    ]);
  });

  test('it stops before the HTTP adapter, and its listener closes', async () => {
    const port = t.listeners.find((l) => l.name === 'probe-echo')?.port ?? 0;
    await t.stop();
    assert.deepEqual(events, ['start', 'stop (healthz 200)']);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    assert.ok(refused, 'the echo listener is closed');
  });
});
