import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertOk, assertOneLineError, fileSandbox, freePort } from './support/cli.js';
import { startDnsResponder } from './support/dns-responder.js';
import { startTestServer } from './support/server.js';

const sb = fileSandbox();
let dns: Awaited<ReturnType<typeof startDnsResponder>>;
before(async () => {
  dns = await startDnsResponder(new Map());
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
  assertOk(await sb.run(['tenant', 'add', 'other.test']));
});
after(() => dns.close());

test('federation trust, default, list and remove', async () => {
  const trust = await sb.run(['federation', 'trust', 'Partner.test', 'trusted', '--tenant', 'acme.test']);
  assertOk(trust);
  assert.equal(trust.stdout, 'partner.test is trusted for acme.test\n');
  assertOk(await sb.run(['federation', 'trust', 'spam.test', 'blocked', '--tenant', 'acme.test']));
  assertOk(await sb.run(['federation', 'default', 'business', '--tenant', 'other.test']));
  const list = await sb.run(['federation', 'list']);
  assertOk(list);
  assert.deepEqual(
    list.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s+/)),
    [
      ['TENANT', 'DOMAIN', 'LEVEL'],
      ['acme.test', '(default)', 'public'],
      ['acme.test', 'partner.test', 'trusted'],
      ['acme.test', 'spam.test', 'blocked'],
      ['other.test', '(default)', 'business'],
    ],
  );
  const json = await sb.run(['federation', 'list', '--tenant', 'acme.test', '--json']);
  assertOk(json);
  const { tenants } = JSON.parse(json.stdout) as {
    tenants: { tenant: string; defaultLevel: string; domains: { domain: string; level: string; listed: boolean }[] }[];
  };
  assert.deepEqual(
    tenants.map((t) => [t.tenant, t.defaultLevel, t.domains.map((d) => `${d.domain}=${d.level}`)]),
    [['acme.test', 'public', ['partner.test=trusted', 'spam.test=blocked']]],
  );
  assertOk(await sb.run(['federation', 'remove', 'spam.test', '--tenant', 'acme.test']));
  const after = await sb.run(['federation', 'list', '--tenant', 'acme.test']);
  assert.doesNotMatch(after.stdout, /spam\.test/);
});

test('errors name the argument', async () => {
  assertOneLineError(
    await sb.run(['federation', 'trust', 'partner.test', 'friendly', '--tenant', 'acme.test']),
    /level "friendly"/,
  );
  assertOneLineError(
    await sb.run(['federation', 'trust', 'not_a_domain', 'public', '--tenant', 'acme.test']),
    /domain "not_a_domain"/,
  );
  assertOneLineError(
    await sb.run(['federation', 'trust', 'other.test', 'trusted', '--tenant', 'acme.test']),
    /served here/,
  );
  assertOneLineError(await sb.run(['federation', 'remove', 'never.test', '--tenant', 'acme.test']), /not found/);
  assertOneLineError(await sb.run(['federation', 'list', '--tenant', 'nobody.test']), /nobody\.test/);
});

test('federation check says which step failed and why, and exits 1', async () => {
  const env = { PARLEY_FEDERATION_DNS_SERVERS: dns.server, PARLEY_OUTBOUND_ALLOW: '127.0.0.0/8' };
  const r = await sb.run(['federation', 'check', 'nowhere.test'], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stdout,
    /^dns +FAILED +no SRV record for _xmpp-server\._tcp\.nowhere\.test and no address for nowhere\.test$/m,
  );
  assert.match(r.stdout, /^ping +skipped +not run: the dns step failed$/m);
  assert.equal(
    r.stderr,
    'parley: error: federation with nowhere.test fails at the dns step: no SRV record for _xmpp-server._tcp.nowhere.test and no address for nowhere.test\n',
  );
  const json = await sb.run(['federation', 'check', 'nowhere.test', '--json'], { env });
  const result = JSON.parse(json.stdout) as { ok: boolean; steps: { step: string; code: string }[] };
  assert.equal(result.ok, false);
  assert.deepEqual(result.steps[0], { ...result.steps[0], step: 'dns', code: 'no-srv-no-address' });
  assertOneLineError(await sb.run(['federation', 'check', 'bad_domain']), /domain "bad_domain"/);
});

test('federation check --server: the running server runs the whole check for its tenant admin', async (t) => {
  // Only the server's DNS knows closed.test (an SRV record to a closed port on loopback): the CLI's
  // own resolver would fail at the dns step, the server's check gets to the tcp step.
  const closed = await freePort();
  const serverDns = await startDnsResponder(
    new Map([
      ['_xmpp-server._tcp.closed.test', { srv: [{ priority: 0, weight: 0, port: closed, target: 'closed.test' }] }],
      ['closed.test', { a: ['127.0.0.1'] }],
    ]),
  );
  t.after(() => serverDns.close());
  const server = await startTestServer({
    'federation.dnsServers': [serverDns.server],
    'outbound.allow': ['127.0.0.0/8'],
  });
  t.after(() => server.stop());
  const admin = await server.user('admin@served.test', { role: 'tenant-admin' });
  const env = { PARLEY_FEDERATION_DNS_SERVERS: dns.server };
  const onServer = ['federation', 'check', 'closed.test', '--server', server.url];

  const r = await sb.run(onServer, { env: { ...env, PARLEY_TOKEN: admin.token } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^dns +ok +/m);
  assert.match(r.stdout, /^tcp +FAILED +/m);
  assert.match(r.stderr, /^parley: error: federation with closed\.test fails at the tcp step: /);
  const json = await sb.run([...onServer, '--json', '--token', admin.token], { env });
  const result = JSON.parse(json.stdout) as { ok: boolean; steps: { step: string; outcome: string }[] };
  assert.deepEqual(
    result.steps.slice(0, 2).map((s) => `${s.step} ${s.outcome}`),
    ['dns ok', 'tcp failed'],
  );

  // Without a token, with one the server does not know, as a user who is no admin, with --tenant.
  assertOneLineError(await sb.run(onServer, { env }), /--server needs a tenant admin's session token/);
  assertOneLineError(
    await sb.run([...onServer, '--token', 'not-a-token'], { env }),
    /refused the check: .*\(PARLEY_ERR_UNAUTHENTICATED\)/,
  );
  const user = await server.user('user@served.test');
  assertOneLineError(
    await sb.run([...onServer, '--token', user.token], { env }),
    /refused the check: .*\(PARLEY_ERR_FORBIDDEN\)/,
  );
  assertOneLineError(
    await sb.run([...onServer, '--tenant', 'acme.test'], { env: { ...env, PARLEY_TOKEN: admin.token } }),
    /--tenant does not go with --server/,
  );
  assertOneLineError(
    await sb.run(['federation', 'check', 'closed.test', '--server', 'ftp://x'], { env }),
    /not an http/,
  );
});
