import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client } from 'ldapts';
import { person, seedPhonebook } from './support/phonebook.js';
import { startTestServer, type TestServer } from './support/server.js';

/** The LDAP server over a real socket with ldapts as the client (desk phones: interop/ldap-server.test.ts). */
describe('LDAP phone book server', () => {
  let t: TestServer;
  let url: string;
  let phonebookSecret: string;
  const clients: Client[] = [];
  const client = () => {
    const c = new Client({ url, timeout: 10_000 });
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestServer({ 'ldap.port': 0, 'ldap.limits.maxEntries': 5 });
    url = t.listeners.find((l) => l.name === 'ldap')?.url.replace('tcp://', 'ldap://') as string;
    const tenant = await t.core.tenants.create({ domain: 'example.test', country: 'DE', areaCode: '711' });
    await t.user('alice@example.test', { password: 'alice-password-1' });
    await seedPhonebook(t.core, tenant.id, 'crm', [
      person('1', {
        name: 'Hans Müller',
        company: 'Müller GmbH',
        email: 'hans@mueller.test',
        title: 'Chef',
        numbers: [
          { type: 'work', raw: '+49 711 1234-56' },
          { type: 'mobile', raw: '0170 1234567' },
        ],
      }),
      person('2', { name: 'Anna Schmidt', numbers: [{ type: 'home', raw: '0711 987654' }] }),
      person('3', {
        name: 'Dr. Jürgen von der Heide',
        givenName: 'Jürgen',
        surname: 'von der Heide',
        email: 'heide@obermeier.test',
      }),
      person('4', { name: 'Klara Obermeier', email: 'klara@example.test' }),
      ...Array.from({ length: 8 }, (_, i) => person(`m${i}`, { name: `Max Mustermann${i}` })),
    ]);
    ({ secret: phonebookSecret } = await t.core.ldapAccounts.set(tenant.id));
  });
  after(async () => {
    for (const c of clients) await c.unbind().catch(() => undefined);
    await t.stop();
  });

  test('the listener is listed with its port', () => {
    assert.match(url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a reverse lookup by number in any form finds the contact, with inetOrgPerson attributes', async () => {
    const c = client();
    await c.bind('cn=phonebook,dc=example,dc=test', phonebookSecret);
    for (const number of ['+4971112345 6', '0711 123456', '004971112345 6'.replace(/ /g, '')]) {
      const { searchEntries } = await c.search('dc=example,dc=test', {
        scope: 'sub',
        filter: `(|(telephoneNumber=${number})(mobile=${number})(homePhone=${number}))`,
      });
      assert.equal(searchEntries.length, 1, number);
      const e = searchEntries[0] as Record<string, unknown>;
      assert.equal(e.cn, 'Hans Müller');
      assert.equal(e.sn, 'Müller');
      assert.equal(e.givenName, 'Hans');
      assert.equal(e.o, 'Müller GmbH');
      assert.equal(e.telephoneNumber, '+4971112345' + '6');
      assert.equal(e.mobile, '+491701234567');
      assert.equal(e.mail, 'hans@mueller.test');
      assert.deepEqual(e.objectClass, ['top', 'person', 'organizationalPerson', 'inetOrgPerson']);
    }
  });

  test('name prefix searches, attribute lists and typesOnly', async () => {
    const c = client();
    await c.bind('alice@example.test', 'alice-password-1');
    const { searchEntries } = await c.search('dc=example,dc=test', {
      filter: '(|(cn=anna*)(sn=anna*))',
      attributes: ['cn', 'homePhone'],
    });
    assert.deepEqual(
      searchEntries.map((e) => [e.dn, e.cn, e.homePhone, e.mail]),
      [['cn=Anna Schmidt,dc=example,dc=test', 'Anna Schmidt', '+49711987654', undefined]],
    );
    const types = await c.search('dc=example,dc=test', {
      filter: '(sn=Schmidt)',
      attributes: ['cn'],
      returnAttributeValues: false,
    });
    assert.deepEqual(
      types.searchEntries.map((e) => e.cn),
      [[]],
    );
    const none = await c.search('dc=example,dc=test', { filter: '(&(cn=anna*)(mobile=*))' });
    assert.equal(none.searchEntries.length, 0);
  });

  test('the base entry and the root DSE', async () => {
    const c = client();
    const root = await c.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['*', '+'] });
    assert.equal(root.searchEntries[0]?.supportedLDAPVersion, '3');
    assert.equal(root.searchEntries[0]?.namingContexts, undefined, 'naming contexts only once bound');
    await c.bind('phonebook@example.test', phonebookSecret);
    const base = await c.search('dc=example,dc=test', { scope: 'base', filter: '(objectClass=*)' });
    assert.equal(base.searchEntries[0]?.dn, 'dc=example,dc=test');
    assert.equal(base.searchEntries[0]?.dc, 'example');
  });

  test('size limits, paged results and the refusals', async () => {
    const c = client();
    await assert.rejects(c.search('dc=example,dc=test', { filter: '(cn=max*)' }), { code: 50 }, 'no bind');
    await assert.rejects(c.bind('alice@example.test', 'wrong'), { code: 49 });
    await c.bind('alice@example.test', 'alice-password-1');
    // ldapts takes sizeLimitExceeded as the end of a search that set a sizeLimit.
    const limited = await c.search('dc=example,dc=test', { filter: '(cn=max*)', sizeLimit: 3 });
    assert.equal(limited.searchEntries.length, 3);
    // The server caps every search at ldap.limits.maxEntries (5) of the 8.
    await assert.rejects(c.search('dc=example,dc=test', { filter: '(cn=max*)' }), { code: 4 });
    const paged = await c.search('dc=example,dc=test', { filter: '(cn=max*)', sizeLimit: 5, paged: { pageSize: 2 } });
    assert.equal(paged.searchEntries.length, 5);
    assert.equal(new Set(paged.searchEntries.map((e) => e.cn)).size, 5);
    await assert.rejects(c.search('dc=other,dc=test', { filter: '(cn=max*)' }), { code: 32 });
    // A filter with no number or name lists the directory: up to the limit, or all of it paged.
    await assert.rejects(c.search('dc=example,dc=test', { filter: '(objectClass=person)' }), { code: 4 });
    await assert.rejects(c.add('cn=x,dc=example,dc=test', { cn: 'x', objectClass: 'person' }), { code: 53 });
  });

  test("sn and givenName: the source's own fields, else split from the name", async () => {
    const c = client();
    await c.bind('phonebook@example.test', phonebookSecret);
    const { searchEntries } = await c.search('dc=example,dc=test', {
      filter: '(|(givenName=jürgen*)(sn=obermeier))',
      attributes: ['cn', 'sn', 'givenName'],
    });
    assert.deepEqual(searchEntries.map((e) => [e.cn, e.sn, e.givenName]).sort(), [
      ['Dr. Jürgen von der Heide', 'von der Heide', 'Jürgen'],
      ['Klara Obermeier', 'Obermeier', 'Klara'],
    ]);
  });

  test('infix substrings find words that contain the text, and match exactly', async () => {
    const c = client();
    await c.bind('phonebook@example.test', phonebookSecret);
    const names = async (filter: string) =>
      (await c.search('dc=example,dc=test', { filter, attributes: ['cn'] })).searchEntries.map((e) => e.cn).sort();
    assert.deepEqual(await names('(cn=*meier*)'), ['Klara Obermeier']);
    assert.deepEqual(await names('(cn=*ller)'), ['Hans Müller']);
    assert.deepEqual(await names('(|(cn=*meier*)(mail=*meier*))'), ['Dr. Jürgen von der Heide', 'Klara Obermeier']);
    assert.deepEqual(await names('(cn=*der hei*)'), ['Dr. Jürgen von der Heide']);
    assert.deepEqual(await names('(cn=*meierx*)'), []);
  });

  test('browsing the whole phone book: paged over every contact, as Yealink and Snom ask for it', async () => {
    const c = client();
    await c.bind('phonebook@example.test', phonebookSecret);
    const all = await c.search('dc=example,dc=test', {
      filter: '(|(cn=*)(sn=*))',
      attributes: ['cn'],
      paged: { pageSize: 4 },
    });
    const names = all.searchEntries.map((e) => e.cn as string);
    assert.equal(new Set(all.searchEntries.map((e) => e.dn)).size, names.length, 'no entry twice');
    for (const n of ['Hans Müller', 'Anna Schmidt', 'Klara Obermeier', 'Max Mustermann0', 'Max Mustermann7'])
      assert.ok(names.includes(n), n);
    assert.ok(names.length >= 12, `${names.length} entries`);
    const some = await c.search('dc=example,dc=test', { filter: '(objectClass=inetOrgPerson)', sizeLimit: 3 });
    assert.equal(some.searchEntries.length, 3);
  });

  test('bad BER is answered with a Notice of Disconnection, and the server goes on serving others', async () => {
    const port = Number(url.split(':').at(-1));
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('close', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
      s.write(Buffer.from([0x04, 0x02, 0x41, 0x42]));
    });
    assert.equal(answer[0], 0x30);
    assert.ok(answer.includes(Buffer.from('1.3.6.1.4.1.1466.20036')), 'notice of disconnection');
    const c = client();
    await c.bind('phonebook@example.test', phonebookSecret);
    const { searchEntries } = await c.search('dc=example,dc=test', { filter: '(sn=Schmidt)' });
    assert.equal(searchEntries.length, 1);
  });
});
