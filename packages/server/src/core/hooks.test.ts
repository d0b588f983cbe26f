import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { forbidden } from './errors.js';
import { Hooks } from './hooks.js';

const value = { tenantId: 't', local: 'bob', domain: 'a.test', role: 'user' as const };

test('hooks run by priority, each seeing the previous value', async () => {
  const hooks = new Hooks(pino({ level: 'silent' }));
  const order: string[] = [];
  hooks.register(
    'user.beforeCreate',
    'second',
    (v) => {
      order.push('second');
      return { ...v, local: `${v.local}-2` };
    },
    10,
  );
  hooks.register('user.beforeCreate', 'first', (v) => {
    order.push('first');
    return { ...v, local: `${v.local}-1` };
  });
  hooks.register('user.beforeCreate', 'observer', () => undefined, 5);
  assert.equal((await hooks.run('user.beforeCreate', value)).local, 'bob-1-2');
  assert.deepEqual(order, ['first', 'second']);
});

test('a throwing hook vetoes; a removed hook no longer runs', async () => {
  const hooks = new Hooks(pino({ level: 'silent' }));
  const remove = hooks.register('user.beforeCreate', 'licence', () => {
    throw forbidden('licence exhausted');
  });
  await assert.rejects(hooks.run('user.beforeCreate', value), /licence exhausted/);
  remove();
  assert.deepEqual(await hooks.run('user.beforeCreate', value), value);
});
