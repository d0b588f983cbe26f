import type { Core } from './index.js';

export const DEMO_DOMAIN = 'example.test';

const demoUsers = [
  { local: 'alice', displayName: 'Alice Adams', numbers: ['100'], role: 'user' },
  { local: 'bob', displayName: 'Bob Baker', numbers: ['101'], role: 'user' },
  { local: 'carol', displayName: 'Carol Clark', numbers: ['102'], role: 'user' },
  { local: 'admin', displayName: 'Administrator', numbers: [], role: 'system-admin' },
] as const;

/**
 * First start on an empty database: the demo tenant `example.test` with alice, bob, carol and a
 * system administrator. Their generated passwords are logged once, here, and never again.
 * @returns whether anything was created
 */
export async function seedDemoTenant(core: Core): Promise<boolean> {
  if ((await core.ctx.store.repos.tenants.count()) > 0) return false;
  const tenant = await core.tenants.create({
    domain: DEMO_DOMAIN,
    name: 'Example Ltd',
    country: 'DE',
    areaCode: '711',
  });
  for (const u of demoUsers) {
    const { user, password } = await core.users.create(tenant.id, {
      ...u,
      numbers: [...u.numbers],
      email: `${u.local}@${DEMO_DOMAIN}`,
    });
    core.ctx.log.warn(
      { user: `${user.local}@${user.domain}`, role: user.role, initialPassword: password },
      'demo account created; its password is shown only this once',
    );
  }
  return true;
}
