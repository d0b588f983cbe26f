import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { closeCore, openCore } from '../create-server.js';
import { loadConfig } from '../platform/config/load.js';
import { FeatureHost } from './feature.js';
import type { Core } from './index.js';

let core: Core;
before(async () => {
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:' } });
  core = await openCore({ config, log: pino({ level: 'silent' }) });
});
after(() => closeCore(core));

const settle = () => new Promise((r) => setTimeout(r, 20));

test('what a feature registers works while it runs and is undone when it stops', async () => {
  const host = new FeatureHost(core);
  const seen: string[] = [];
  let ticks = 0;
  const stopped: string[] = [];
  await host.start([
    {
      name: 'first',
      setup(ctx) {
        ctx.subscribe('tenant.created', (e) => void seen.push(e.domain));
        ctx.hook('user.beforeCreate', (v) => ({ ...v, local: `${v.local}-x` }));
        ctx.every(5, async () => {
          ticks++;
        });
        ctx.onStop(() => void stopped.push('first'));
      },
    },
    {
      name: 'second',
      setup(ctx) {
        ctx.onStop(() => {
          stopped.push('second');
          throw new Error('a failing disposer does not stop the others');
        });
      },
    },
  ]);
  await core.ctx.bus.publish('tenant.created', { tenantId: 't', domain: 'a.test' });
  const hooked = await core.ctx.hooks.run('user.beforeCreate', {
    tenantId: 't',
    local: 'bob',
    domain: 'a.test',
    role: 'user',
  });
  await settle();
  assert.deepEqual(seen, ['a.test']);
  assert.equal(hooked.local, 'bob-x');
  assert.ok(ticks >= 1, 'scheduled work ran');

  await host.stop();
  const ticksAtStop = ticks;
  await core.ctx.bus.publish('tenant.created', { tenantId: 't', domain: 'b.test' });
  const after = await core.ctx.hooks.run('user.beforeCreate', {
    tenantId: 't',
    local: 'bob',
    domain: 'a.test',
    role: 'user',
  });
  await settle();
  assert.deepEqual(seen, ['a.test'], 'subscription removed');
  assert.equal(after.local, 'bob', 'hook removed');
  assert.equal(ticks, ticksAtStop, 'timer cleared');
  assert.deepEqual(stopped, ['second', 'first'], 'stopped in reverse order');
});
