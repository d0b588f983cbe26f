import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const server = fileURLToPath(new URL('../../../server/src/', import.meta.url));

/** The little of the server's core these tests read (imported at run time, not type-checked here). */
interface CoreView {
  tenants: { byDomain(domain: string): Promise<{ id: string }> };
  devices: { credentialsFor(tenantId: string, username: string): Promise<{ ha1Md5: string } | undefined> };
}

/**
 * The MD5 HA1 the server holds for the SIP device `username` of the tenant `domain`, read through
 * the server's own core on the test server's data folder (its SQLite database, next to the running
 * process), or undefined when no device registers under that name.
 */
export async function storedHa1(dataDir: string, domain: string, username: string): Promise<string | undefined> {
  const load = (file: string) => import(pathToFileURL(join(server, file)).href);
  const { openCore, closeCore } = (await load('create-server.ts')) as {
    openCore(options: { config: unknown }): Promise<CoreView>;
    closeCore(core: CoreView): Promise<void>;
  };
  const { loadConfig } = (await load('platform/config/load.ts')) as {
    loadConfig(options: { env: Record<string, string>; overrides: Record<string, unknown> }): unknown;
  };
  const config = loadConfig({ env: {}, overrides: { dataDir, 'log.level': 'silent' } });
  const core = await openCore({ config });
  try {
    const tenant = await core.tenants.byDomain(domain);
    return (await core.devices.credentialsFor(tenant.id, username))?.ha1Md5;
  } finally {
    await closeCore(core);
  }
}

/** RFC 2617's HA1: md5(`username:realm:password`), what a phone's digest answer is built from. */
export const md5Ha1 = (username: string, realm: string, password: string): string =>
  createHash('md5').update(`${username}:${realm}:${password}`).digest('hex');
