import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import pino from 'pino';
import type { Services } from '../compose.js';
import { closeCore, openCore } from '../create-server.js';
import { loadConfig } from '../platform/config/load.js';
import type { Config } from '../platform/config/schema.js';
import { createMetrics } from '../platform/metrics.js';
import { type Adapter, AdapterHost, type Bindable, ListenError, type Listener } from './adapter.js';

let core: Services;
let config: Config;
before(async () => {
  config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'http.port': 0 } });
  core = await openCore({ config, log: pino({ level: 'silent' }) });
});
after(() => closeCore(core));

const newHost = () =>
  new AdapterHost({ core, config, metrics: createMetrics({ hashing: () => core.auth.hashing.stats() }) });

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** A TCP server holding a port, so that binding it again fails. */
async function takenPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

interface Step {
  name: string;
  /** Binds this on 127.0.0.1 at `port` (0 by default) in its start. */
  listen?: () => Bindable;
  port?: number;
  fails?: boolean;
}

/** Adapters that record their start and stop in `events` and keep their listeners in `listeners`. */
function adapters(steps: Step[], events: string[], listeners: Listener[]): Adapter[] {
  return steps.map(
    (step): Adapter<Config['http']> => ({
      name: step.name,
      config: (c) => c.http,
      async start(ctx) {
        events.push(`start ${step.name}`);
        assert.equal(ctx.config, config.http, 'its configuration section');
        if (step.listen) {
          const at = { name: step.name, setting: `test.${step.name}`, host: '127.0.0.1', port: step.port ?? 0 };
          listeners.push(await ctx.listen(step.listen(), { ...at, serves: 'tests' }));
        }
        if (step.fails) throw new Error(`${step.name} cannot start`);
      },
      stop() {
        events.push(`stop ${step.name}`);
      },
    }),
  );
}

describe('the adapter host', () => {
  const cases: { name: string; steps: Step[]; started: string[]; stopped: string[]; error?: RegExp }[] = [
    {
      name: 'starts in order and stops in reverse',
      steps: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      started: ['a', 'b', 'c'],
      stopped: ['c', 'b', 'a'],
    },
    {
      name: 'a failed start stops what started before it (and itself), and the error goes on',
      steps: [{ name: 'a', listen: () => createServer() }, { name: 'b' }, { name: 'c', fails: true }, { name: 'd' }],
      started: ['a', 'b', 'c'],
      stopped: ['c', 'b', 'a'],
      error: /: c cannot start$/,
    },
    {
      name: 'the first adapter failing stops only itself',
      steps: [{ name: 'a', fails: true }, { name: 'b' }],
      started: ['a'],
      stopped: ['a'],
      error: /: a cannot start$/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const events: string[] = [];
      const listeners: Listener[] = [];
      const host = newHost();
      const started = host.start(adapters(c.steps, events, listeners));
      if (c.error) await assert.rejects(started, c.error);
      else await started;
      const startEvents = events.splice(0);
      if (!c.error) await host.stop();
      assert.deepEqual(
        startEvents.filter((e) => e.startsWith('start')),
        c.started.map((n) => `start ${n}`),
      );
      assert.deepEqual(
        [...startEvents, ...events].filter((e) => e.startsWith('stop')),
        c.stopped.map((n) => `stop ${n}`),
      );
      for (const l of listeners) assert.equal(await accepts(l.port), false, `${l.name} is closed`);
      assert.deepEqual(host.listeners(), [], 'no listener is reported after the stop');
    });
  }

  const transports: { name: string; listen: () => Bindable; transport: Listener['transport'] }[] = [
    { name: 'node:net', listen: () => createServer(), transport: 'tcp' },
    { name: 'node:tls', listen: () => createTlsServer(), transport: 'tls' },
    { name: 'node:dgram', listen: () => createSocket('udp4'), transport: 'udp' },
  ];
  for (const t of transports) {
    test(`port 0 on ${t.name} is reported as the free port it got`, async () => {
      const listeners: Listener[] = [];
      const host = newHost();
      const reported = await host.start(adapters([{ name: 'x', listen: t.listen }], [], listeners));
      try {
        const [listener] = listeners;
        assert.ok(listener && listener.port > 0, 'a real port');
        assert.deepEqual(reported, listeners);
        assert.deepEqual(host.listeners(), listeners);
        assert.equal(listener.transport, t.transport);
        assert.equal(listener.url, `${t.transport}://127.0.0.1:${listener.port}`);
        if (t.transport !== 'udp') assert.equal(await accepts(listener.port), true);
      } finally {
        await host.stop();
      }
    });
  }

  test('a taken port is one line naming the setting; what started is closed again', async () => {
    const taken = await takenPort();
    const events: string[] = [];
    const listeners: Listener[] = [];
    const host = newHost();
    try {
      const steps = [
        { name: 'first', listen: () => createServer() },
        { name: 'second', listen: () => createServer(), port: taken.port },
      ];
      const err = await host.start(adapters(steps, events, listeners)).then(
        () => assert.fail('started on a taken port'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ListenError);
      assert.equal(
        err.message,
        `test.second.port ${taken.port} on 127.0.0.1 is already in use (EADDRINUSE); set PARLEY_TEST_SECOND_PORT or test.second.port to another port`,
      );
      assert.equal('code' in err, false, 'printed as the message alone');
      assert.deepEqual(events, ['start first', 'start second', 'stop second', 'stop first']);
      assert.equal(listeners.length, 1);
      assert.equal(await accepts(listeners[0]?.port ?? 0), false, 'the first listener is closed');
      assert.equal(await accepts(taken.port), true, 'the other holder of the port is unharmed');
    } finally {
      taken.server.close();
    }
  });

  test('mounting on the shared HTTP listener without an adapter serving it is refused', async () => {
    const mounting: Adapter<Config['http']> = {
      name: 'mounting',
      config: (c) => c.http,
      start: (ctx) =>
        ctx.http.websocket('/x', {
          authenticate: async () => undefined,
          accept: () => undefined,
        }),
      stop() {},
    };
    await assert.rejects(newHost().start([mounting]), /no adapter before this one serves HTTP/);
  });
});
