// What an idle connection costs a Node server in memory, split into JS heap and native: the
// floor under W4 of `bench/xmpp.ts` (memory per idle XMPP session). A child process (the server,
// with --expose-gc) accepts N connections and either keeps the plain socket or upgrades it as
// Parley's STARTTLS does (`new TLSSocket(raw, { secureContext, isServer: true })`, one shared
// SecureContext, P-256 certificate); the parent opens them and completes the handshakes. Before
// and after (past 100 warm-up connections): two full GCs, then /proc/self/smaps_rollup (Rss, Anonymous) and V8's heap.
//
//   node --import tsx bench/tls-memory.ts [--connections 1000]
// A native allocator changes the figure: run it again under LD_PRELOAD=libjemalloc.so.2 or
// GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536 to compare (the child inherits the environment).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { createSecureContext, TLSSocket, connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCertificates } from '../packages/server/test/support/slapd.js';
import { tempData } from './lib.js';

interface Memory {
  rss: number;
  anonymous: number;
  heapUsed: number;
}

const kb = (bytes: number) => bytes / 1024;

if (process.env.TLS_MEMORY_SERVER) {
  const [mode, certFile, keyFile] = process.argv.slice(2) as [string, string, string];
  const secureContext = createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  const kept: Socket[] = [];
  const gc = (globalThis as { gc?: () => void }).gc as () => void;
  const memory = (): Memory => {
    gc();
    gc();
    const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const field = (name: string) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))?.[1]) * 1024;
    return { rss: field('Rss'), anonymous: field('Anonymous'), heapUsed: process.memoryUsage().heapUsed };
  };
  const server = createServer((raw) => {
    raw.once('data', () => {
      if (mode === 'plain') {
        kept.push(raw);
        raw.write('ok');
        return;
      }
      raw.write('proceed');
      const tls = new TLSSocket(raw, { secureContext, isServer: true });
      tls.on('data', () => {});
      tls.on('error', () => tls.destroy());
      tls.once('secure', () => tls.write('ok'));
      kept.push(tls);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  process.on('message', () => setTimeout(() => process.send?.({ memory: memory(), kept: kept.length }), 3000));
} else {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '1000' } } });
  const N = Number(values.connections);
  const WARM = 100;
  const data = tempData('parley-bench-tls-memory-');
  const certs = await makeCertificates(data.dir);
  const self = fileURLToPath(import.meta.url);

  const measure = async (mode: 'plain' | 'tls') => {
    const child = fork(self, [mode, certs.certFile, certs.keyFile], {
      env: { ...process.env, TLS_MEMORY_SERVER: '1' },
      execArgv: ['--import', 'tsx', '--expose-gc'],
    });
    const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
    const { port } = await next<{ port: number }>();
    const ask = () => {
      const reply = next<{ memory: Memory; kept: number }>();
      child.send('memory');
      return reply;
    };
    const open: Socket[] = [];
    const openMore = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await new Promise<void>((resolve, reject) => {
          const raw = netConnect(port, '127.0.0.1', () => raw.write('starttls'));
          raw.once('error', reject);
          raw.once('data', () => {
            if (mode === 'plain') {
              open.push(raw);
              return resolve();
            }
            const tls = tlsConnect({ socket: raw, ca: certs.ca, servername: 'localhost' });
            tls.once('data', () => resolve());
            tls.once('error', reject);
            open.push(tls);
          });
        });
      }
    };
    // Warm: the first connections pay for what every later one shares (code, pools, the loader settling).
    await openMore(WARM);
    const { memory: before, kept: warm } = await ask();
    await openMore(N);
    const { memory: after, kept: all } = await ask();
    const kept = all - warm;
    for (const s of open) s.destroy();
    child.kill();
    const per = (k: keyof Memory) => (kb(after[k] - before[k]) / kept).toFixed(1);
    return `| ${mode === 'tls' ? 'STARTTLS (TLSSocket)' : 'plain TCP'} | ${kept} | ${per('rss')} | ${per('anonymous')} | ${per('heapUsed')} |`;
  };

  console.log(
    `Node ${process.version}, OpenSSL ${process.versions.openssl}${process.env.LD_PRELOAD ? `, LD_PRELOAD=${process.env.LD_PRELOAD}` : ''}${process.env.GLIBC_TUNABLES ? `, GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}` : ''}\n`,
  );
  console.log('| connection | connections | RSS KB/conn | anonymous KB/conn | JS heap KB/conn |');
  console.log('|---|---|---|---|---|');
  console.log(await measure('plain'));
  console.log(await measure('tls'));
  data.remove();
}
