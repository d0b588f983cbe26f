import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemorySharedMap } from '../../platform/cluster/local.js';
import { addressKey, LoginThrottle, type ThrottleEntry, type ThrottleOptions, throttleTtlMs } from './throttle.js';

const clock = {
  t: 0,
  now() {
    return this.t;
  },
};
const base: ThrottleOptions = {
  maxFailures: 3,
  maxFailuresPerAddress: 5,
  maxFailuresPerAccount: 8,
  trustedDays: 1,
  windowSeconds: 60,
  baseDelaySeconds: 2,
  maxDelaySeconds: 10,
};

function throttle(options: Partial<ThrottleOptions> = {}) {
  clock.t = 0;
  const o = { ...base, ...options };
  return new LoginThrottle(
    o,
    clock,
    new MemorySharedMap<ThrottleEntry>(throttleTtlMs(o), clock),
    new MemorySharedMap<number>(o.trustedDays * 86_400_000, clock),
  );
}
const wait = async (th: LoginThrottle, account: string, ip: string | null) => (await th.admit(account, ip)).retryAfter;

test('an account and address pair locks after maxFailures with exponential backoff up to the maximum', async () => {
  const th = throttle();
  await th.failed('a@x', '10.0.0.1');
  await th.failed('a@x', '10.0.0.1');
  assert.equal(await wait(th, 'a@x', '10.0.0.1'), 0, 'below the limit');
  assert.deepEqual(await th.failed('a@x', '10.0.0.1'), ['pair'], 'this failure locked the pair (worth a log line)');
  assert.equal(await wait(th, 'a@x', '10.0.0.1'), 2);
  clock.t += 2000;
  assert.equal(await wait(th, 'a@x', '10.0.0.1'), 0, 'lock-out over');
  await th.failed('a@x', '10.0.0.1');
  assert.equal(await wait(th, 'a@x', '10.0.0.1'), 4, 'doubles');
  clock.t += 4000;
  await th.failed('a@x', '10.0.0.1');
  clock.t += 8000;
  await th.failed('a@x', '10.0.0.1');
  assert.equal(await wait(th, 'A@X', '10.0.0.1'), 10, 'capped; the account is case-insensitive');
  assert.equal(await wait(th, 'a@x', '10.0.0.2'), 0, 'another address is not throttled for the account');
  assert.equal(await wait(th, 'b@x', '10.0.0.9'), 0, 'other keys are independent');
});

test("a success clears its pair only; the address's budget survives it (password spraying)", async () => {
  const th = throttle();
  for (let i = 0; i < 2; i++) await th.failed('a@x', '10.0.0.1');
  await th.succeeded('a@x', '10.0.0.1');
  for (let i = 0; i < 2; i++) await th.failed('a@x', '10.0.0.1');
  assert.equal(await wait(th, 'a@x', '10.0.0.1'), 0, 'the pair started from zero');
  // Five failures on five accounts with a valid login in between: the address is locked anyway.
  const sprayer = throttle();
  for (let i = 0; i < 5; i++) {
    await sprayer.failed(`victim${i}@x`, '10.0.0.66');
    await sprayer.succeeded('own@x', '10.0.0.66');
  }
  assert.ok((await wait(sprayer, 'victim9@x', '10.0.0.66')) > 0, 'a new guess from the address waits');
  assert.equal(await wait(sprayer, 'own@x', '10.0.0.66'), 0, 'its own signed-in pair is judged by its own budget');
});

test('failures from one address never lock the account out from another; the account-wide budget spares trusted addresses', async () => {
  const th = throttle({ maxFailuresPerAddress: 100 });
  await th.succeeded('alice@x', '192.0.2.1');
  for (let i = 0; i < 20; i++) await th.failed('alice@x', '10.6.6.6');
  assert.ok((await wait(th, 'alice@x', '10.6.6.6')) > 0, 'the attacker is throttled');
  // Failures spread over many addresses exhaust the account-wide budget for new addresses …
  for (let i = 0; i < 8; i++) await th.failed('bob@x', `10.7.0.${i}`);
  assert.ok((await wait(th, 'bob@x', '10.7.1.1')) > 0, 'a new address waits');
  // … but never for an address that signed in to the account within trustedDays.
  const spread = throttle();
  await spread.succeeded('bob@x', '192.0.2.7');
  for (let i = 0; i < 8; i++) await spread.failed('bob@x', `10.7.0.${i}`);
  assert.equal(await wait(spread, 'bob@x', '192.0.2.7'), 0);
  assert.deepEqual(await spread.admit('bob@x', '192.0.2.7'), { retryAfter: 0, rank: -1 });
  clock.t += 86_400_000 + 1;
  assert.equal((await spread.admit('bob@x', '192.0.2.7')).rank, 0, 'trust expires');
});

test('the account-wide budget is off at 0', async () => {
  const th = throttle({ maxFailuresPerAccount: 0 });
  for (let i = 0; i < 20; i++) await th.failed('bob@x', `10.7.0.${i}`);
  assert.equal(await wait(th, 'bob@x', '10.7.1.1'), 0);
});

test('failures expire after the window; the rank counts the recent failures of the address', async () => {
  const th = throttle();
  await th.failed('w@x', '10.0.0.3');
  await th.failed('v@x', '10.0.0.3');
  assert.equal((await th.admit('u@x', '10.0.0.3')).rank, 2);
  clock.t += 61_000;
  await th.failed('w@x', '10.0.0.3');
  assert.equal((await th.admit('u@x', '10.0.0.3')).rank, 1, 'old failures forgotten');
});

test('IPv6 addresses count per /64; IPv4-mapped addresses as IPv4', () => {
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  assert.equal(addressKey('2001:DB8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressKey('10.1.2.3'), '10.1.2.3');
});
