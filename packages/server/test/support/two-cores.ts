import { join } from 'node:path';
import pino from 'pino';
import { type Core, createCore } from '../../src/core/index.js';
import { openCore } from '../../src/create-server.js';
import { LocalCluster } from '../../src/platform/cluster/local.js';
import { loadConfig } from '../../src/platform/config/load.js';
import { OutboundPolicy } from '../../src/platform/outbound.js';
import { lazySecretBox } from '../../src/platform/secrets.js';

/**
 * Two nodes over one store and one bus in data folder `dir`: `a` opened as the server opens its
 * core, `b` a second core on the same context as another node (its own services and read caches).
 * The clock stands still, so no cached value grows too old. Close `a` (`closeCore`) when done.
 */
export async function twoCores(dir: string): Promise<{ a: Core; b: Core }> {
  const config = loadConfig({ env: {}, overrides: { dataDir: dir, 'auth.scryptCost': 1024, 'log.level': 'silent' } });
  const now = Date.now();
  const a = await openCore({ config, log: pino({ level: 'silent' }), clock: { now: () => now } });
  const b = createCore(
    { ...a.ctx, cluster: new LocalCluster('node-b', a.ctx.clock) },
    {
      ...config.auth,
      messaging: { ...config.messaging, attachments: { ...config.messaging.attachments, dir } },
      calendar: {
        ...config.calendar,
        secrets: lazySecretBox(join(dir, 'secrets.key')),
        outbound: new OutboundPolicy([]),
      },
      trunks: { secrets: lazySecretBox(join(dir, 'secrets.key')), outbound: new OutboundPolicy([]) },
    },
  );
  return { a, b };
}
