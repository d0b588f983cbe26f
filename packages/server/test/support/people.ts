import { startTestServer, type TestServer } from './server.js';

/** A signed-in user of a test server. */
export type Person = Awaited<ReturnType<TestServer['user']>>;

/**
 * A test server with the messaging tests' people signed in: alice, bob and carol of one tenant
 * (example.test) and mallory of another (other.test). `overrides` as for `startTestServer`.
 */
export async function startWithPeople(overrides: Record<string, unknown> = {}): Promise<{
  t: TestServer;
  alice: Person;
  bob: Person;
  carol: Person;
  mallory: Person;
}> {
  const t = await startTestServer(overrides);
  return {
    t,
    alice: await t.user('alice@example.test'),
    bob: await t.user('bob@example.test'),
    carol: await t.user('carol@example.test'),
    mallory: await t.user('mallory@other.test'),
  };
}
