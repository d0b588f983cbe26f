import { test } from 'node:test';

/**
 * Interop tests need real peers. When one is missing they skip with the reason, unless
 * PARLEY_REQUIRE_INTEROP=1 (as in .ci/run), where a missing peer fails the run.
 */
export async function requirePeer(name: string, probe: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await probe();
    return undefined;
  } catch (err) {
    const reason = `${name} not reachable: ${(err as Error).message}`;
    if (process.env.PARLEY_REQUIRE_INTEROP === '1') throw new Error(`${reason} (PARLEY_REQUIRE_INTEROP=1)`);
    test(`${name} interop`, { skip: reason }, () => undefined); // skip reason: peer missing, PARLEY_REQUIRE_INTEROP unset
    return reason;
  }
}

/** The PostgreSQL the interop suite uses; the machine's own unless PARLEY_TEST_PG says otherwise. */
export const postgresUrl = process.env.PARLEY_TEST_PG ?? 'postgres://root@127.0.0.1:5432/test';

/** Runs one statement on a short-lived PostgreSQL connection (schema setup and teardown). */
export async function postgresAdmin(sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
