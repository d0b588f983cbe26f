import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Client } from 'ldapts';
import { assertOk, fileSandbox, startServe } from './support/cli.js';
import { startTestServer } from './support/server.js';

const sb = fileSandbox();
before(async () => {
  assertOk(await sb.run(['tenant', 'add', 'acme.test']));
});

test('ldap-account set prints the password once; a phone binds with it to `parley serve --ldap-port 0`; remove ends that', async () => {
  const set = await sb.run(['ldap-account', 'set', '--tenant', 'acme.test', '--json']);
  assertOk(set);
  const account = JSON.parse(set.stdout) as { bindDn: string; baseDn: string; password: string };
  assert.equal(account.bindDn, 'cn=phonebook,dc=acme,dc=test');
  assert.equal(account.baseDn, 'dc=acme,dc=test');
  const shown = await sb.run(['ldap-account', 'show', '--tenant', 'acme.test']);
  assertOk(shown);
  assert.match(
    shown.stdout,
    /^bind DN: cn=phonebook,dc=acme,dc=test \(or phonebook@acme\.test\)\nbase DN: dc=acme,dc=test\n/,
  );
  assert.ok(!shown.stdout.includes(account.password), 'no password');

  const serve = startServe(['--http-port', '0', '--ldap-port', '0', '--no-sip', '--no-csta', '--no-xmpp'], {
    cwd: sb.cwd,
    env: { PARLEY_DATA: sb.dataDir },
  });
  const listening = await serve.waitFor((r) => r.listener === 'ldap');
  assert.ok((listening.port as number) > 0, 'port 0 picked a free port and logged it');
  const client = new Client({ url: `ldap://127.0.0.1:${listening.port}` });
  await client.bind(account.bindDn, account.password);
  const { searchEntries } = await client.search(account.baseDn, { scope: 'base', filter: '(objectClass=*)' });
  assert.equal(searchEntries[0]?.dn, 'dc=acme,dc=test');
  await client.unbind();
  assert.equal((await serve.stop()).code, 0);

  assertOk(await sb.run(['ldap-account', 'remove', '--tenant', 'acme.test']));
  assert.match(
    (await sb.run(['ldap-account', 'show', '--tenant', 'acme.test'])).stdout,
    /has no LDAP phone-book account/,
  );
});

test('REST: a tenant admin sets, reads and removes the account; a user may not', async () => {
  const t = await startTestServer();
  try {
    const admin = await t.user('admin@rest.test', { role: 'tenant-admin' });
    const user = await t.user('bob@rest.test');
    const made = await admin.api.request('admin.directory.ldapAccount.set', {});
    assert.equal(made.bindDn, 'cn=phonebook,dc=rest,dc=test');
    assert.match(made.password, /^[A-Za-z0-9]{24}$/);
    const read = await admin.api.request('admin.directory.ldapAccount.get', {});
    assert.deepEqual(Object.keys(read).sort(), ['address', 'baseDn', 'bindDn', 'createdAt']);
    await assert.rejects(user.api.request('admin.directory.ldapAccount.get', {}), { status: 403 });
    await admin.api.request('admin.directory.ldapAccount.delete', {});
    await assert.rejects(admin.api.request('admin.directory.ldapAccount.get', {}), { status: 404 });
  } finally {
    await t.stop();
  }
});
