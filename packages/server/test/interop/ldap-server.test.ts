// Parley's LDAP phone book against the clients desk phones and mail clients are built on:
// OpenLDAP's ldapsearch (libldap, as in Yealink, Snom and Gigaset firmware) and python-ldap, with
// the filters phones send, paged results, LDAPS and StartTLS, bad BER and oversized requests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { requirePeer } from '../support/interop.js';
import { person, seedPhonebook } from '../support/phonebook.js';
import { startTestServer, type TestServer } from '../support/server.js';

const run = promisify(execFile);
const LDAPSEARCH = process.env.PARLEY_TEST_LDAPSEARCH ?? 'ldapsearch';
const PYTHON = '/usr/bin/python3';
const BASE = 'dc=example,dc=test';
const BIND_DN = `cn=phonebook,${BASE}`;

const skip =
  (await requirePeer('ldapsearch', () => run(LDAPSEARCH, ['-VV']))) ??
  (await requirePeer('python-ldap', () => run(PYTHON, ['-c', 'import ldap'])));

/** ldapsearch's LDIF as [dn, {attribute: values}] pairs (base64 values decoded). */
function parseLdif(text: string): [string, Record<string, string[]>][] {
  const out: [string, Record<string, string[]>][] = [];
  for (const block of text.replace(/\n /g, '').split(/\n\n+/)) {
    let dn: string | null = null;
    const attrs: Record<string, string[]> = {};
    for (const line of block.split('\n')) {
      const m = /^([A-Za-z0-9;-]+)(::?) ?(.*)$/.exec(line);
      if (!m || line.startsWith('#')) continue;
      const value = m[2] === '::' ? Buffer.from(m[3] as string, 'base64').toString('utf8') : (m[3] as string);
      const name = m[1] as string;
      if (name === 'dn') dn = value;
      else attrs[name] = [...(attrs[name] ?? []), value];
    }
    if (dn !== null) out.push([dn, attrs]);
  }
  return out;
}

describe('LDAP server interop (ldapsearch, python-ldap)', { skip }, () => {
  let t: TestServer;
  let port: number;
  let tlsPort: number;
  let secret: string;
  const search = (args: string[], env: Record<string, string> = {}) =>
    run(LDAPSEARCH, ['-LLL', '-o', 'ldif-wrap=no', '-x', '-D', BIND_DN, '-w', secret, ...args], {
      env: { ...process.env, LDAPTLS_REQCERT: 'never', ...env },
      timeout: 20_000,
    });
  const python = (script: string) =>
    run(PYTHON, ['-c', script, `ldap://127.0.0.1:${port}`, BIND_DN, secret], { timeout: 20_000 });

  before(async () => {
    t = await startTestServer({ 'ldap.port': 0, 'ldap.tls.port': 0, 'ldap.limits.maxMessageBytes': 4096 });
    const at = (name: string) => Number(t.listeners.find((l) => l.name === name)?.port);
    port = at('ldap');
    tlsPort = at('ldaps');
    const tenant = await t.core.tenants.create({ domain: 'example.test', country: 'DE', areaCode: '711' });
    await seedPhonebook(t.core, tenant.id, 'crm', [
      person('1', {
        name: 'Hans Müller',
        company: 'Müller GmbH',
        numbers: [
          { type: 'work', raw: '+49 711 1234-56' },
          { type: 'mobile', raw: '0170 1234567' },
        ],
      }),
      person('2', {
        name: 'Anna Schmidt',
        email: 'anna@schmidt.test',
        numbers: [{ type: 'home', raw: '0711 987654' }],
      }),
      person('3', { name: 'Annette Berg', numbers: [{ type: 'work', raw: '0711 555' }] }),
      person('4', { name: 'Prof. Eva Maria Klein-Obermeier', givenName: 'Eva Maria', surname: 'Klein-Obermeier' }),
      ...Array.from({ length: 25 }, (_, i) => person(`p${i}`, { name: `Paula Page${i}`, numbers: [] })),
    ]);
    ({ secret } = await t.core.ldapAccounts.set(tenant.id));
  });
  after(() => t?.stop());

  // The filters phones send, as their admin guides give them, with the input filled in.
  const phoneFilters: [string, string, string[]][] = [
    ['Yealink number', '(|(telephoneNumber=0711123456)(mobile=0711123456)(homePhone=0711123456))', ['Hans Müller']],
    ['Yealink name', '(|(cn=Ann*)(sn=Ann*))', ['Anna Schmidt', 'Annette Berg']],
    ['Snom number (caller ID in +E.164)', '(|(telephoneNumber=+491701234567)(mobile=+491701234567))', ['Hans Müller']],
    ['Snom name', '(|(cn=schmidt*)(sn=schmidt*)(givenName=schmidt*))', ['Anna Schmidt']],
    ['Snom number prefix while typing', '(&(telephoneNumber=0711 1234*)(sn=*))', ['Hans Müller']],
    ['Snom name with a number', '(&(telephoneNumber=*)(sn=Mül*))', ['Hans Müller']],
    ['Gigaset', '(&(objectClass=inetOrgPerson)(|(cn=Mül*)(sn=Mül*)))', ['Hans Müller']],
    ['Fanvil number', '(|(telephoneNumber=004971198765 4)(homePhone=0049711987654))', ['Anna Schmidt']],
    ['Thunderbird', '(|(cn=anna*)(mail=anna*)(givenName=anna*)(sn=anna*))', ['Anna Schmidt']],
    ['Yealink contains (search type 1)', '(|(cn=*nett*)(sn=*nett*))', ['Annette Berg']],
    [
      'Thunderbird contains',
      '(|(cn=*obermeier*)(mail=*obermeier*)(sn=*obermeier*))',
      ['Prof. Eva Maria Klein-Obermeier'],
    ],
    ['Outlook by surname', '(sn=Klein-Obermeier)', ['Prof. Eva Maria Klein-Obermeier']],
    ['no one', '(|(telephoneNumber=0711 999999)(cn=Zz*))', []],
  ];
  for (const [phone, filter, names] of phoneFilters) {
    test(`ldapsearch: ${phone} ${filter}`, async () => {
      const { stdout } = await search(['-H', `ldap://127.0.0.1:${port}`, '-b', BASE, filter, 'cn', 'telephoneNumber']);
      assert.deepEqual(
        parseLdif(stdout)
          .map(([, a]) => a.cn?.[0])
          .sort(),
        names,
      );
    });
  }

  test('ldapsearch: paged results (pr=5) return every entry, page by page', async () => {
    const { stdout } = await search([
      '-H',
      `ldap://127.0.0.1:${port}`,
      '-E',
      'pr=5/noprompt',
      '-b',
      BASE,
      '(cn=Paula*)',
      'cn',
    ]);
    assert.equal(parseLdif(stdout).length, 25);
  });

  test('ldapsearch: browsing every contact, paged (pr=7) or up to the size limit (-z 10, exit code 4)', async () => {
    const url = `ldap://127.0.0.1:${port}`;
    const { stdout } = await search(['-H', url, '-E', 'pr=7/noprompt', '-b', BASE, '(|(cn=*)(sn=*))', 'cn']);
    assert.equal(new Set(parseLdif(stdout).map(([dn]) => dn)).size, 29);
    const limited = await search([
      '-H',
      url,
      '-z',
      '10',
      '-b',
      BASE,
      '(objectClass=inetOrgPerson)',
      'cn',
      'sn',
      'givenName',
    ]).then(
      () => assert.fail('ldapsearch should end with sizeLimitExceeded'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(limited.code, 4);
    assert.equal(parseLdif(limited.stdout).length, 10);
    const eva = await search(['-H', url, '-b', BASE, '(cn=*eva maria*)', 'sn', 'givenName']);
    assert.deepEqual(parseLdif(eva.stdout)[0]?.[1], { sn: ['Klein-Obermeier'], givenName: ['Eva Maria'] });
  });

  test('ldapsearch: LDAPS and StartTLS', async () => {
    const filter = '(sn=Schmidt)';
    const ldaps = await search(['-H', `ldaps://127.0.0.1:${tlsPort}`, '-b', BASE, filter, 'cn']);
    assert.deepEqual(
      parseLdif(ldaps.stdout).map(([dn]) => dn),
      [`cn=Anna Schmidt,${BASE}`],
    );
    const startTls = await search(['-ZZ', '-H', `ldap://127.0.0.1:${port}`, '-b', BASE, filter, 'cn']);
    assert.deepEqual(
      parseLdif(startTls.stdout).map(([dn]) => dn),
      [`cn=Anna Schmidt,${BASE}`],
    );
  });

  test('ldapsearch: a wrong password is invalidCredentials (49), an anonymous search insufficientAccessRights (50)', async () => {
    const wrong = await run(LDAPSEARCH, [
      '-x',
      '-H',
      `ldap://127.0.0.1:${port}`,
      '-D',
      BIND_DN,
      '-w',
      'nope',
      '-b',
      BASE,
      '(cn=a*)',
    ]).catch((e) => e);
    assert.equal(wrong.code, 49);
    const anonymous = await run(LDAPSEARCH, ['-x', '-H', `ldap://127.0.0.1:${port}`, '-b', BASE, '(cn=a*)']).catch(
      (e) => e,
    );
    assert.equal(anonymous.code, 50);
  });

  test('python-ldap: bind, Who am I?, a number lookup, paged searches (a name, every contact) and the errors', async () => {
    const { stdout } = await python(`
import sys, json, ldap
from ldap.controls import SimplePagedResultsControl
url, dn, pw = sys.argv[1:4]
c = ldap.initialize(url)
c.protocol_version = 3
c.simple_bind_s(dn, pw)
out = {'whoami': c.whoami_s()}
r = c.search_s('${BASE}', ldap.SCOPE_SUBTREE, '(|(telephoneNumber=0711 1234-56)(mobile=0711 1234-56))', ['cn', 'mobile'])
out['lookup'] = [[d, {k: [x.decode() for x in v] for k, v in a.items()}] for d, a in r]
def paged(f):
    page = SimplePagedResultsControl(True, size=10, cookie='')
    names = []
    while True:
        mid = c.search_ext('${BASE}', ldap.SCOPE_SUBTREE, f, ['cn'], serverctrls=[page])
        _, data, _, ctrls = c.result3(mid)
        names += [d for d, _ in data]
        cookie = [x for x in ctrls if x.controlType == SimplePagedResultsControl.controlType][0].cookie
        if not cookie: break
        page.cookie = cookie
    return len(set(names))
out['paged'] = paged('(cn=paula*)')
out['all'] = paged('(objectClass=inetOrgPerson)')
try:
    c.search_s('dc=other,dc=test', ldap.SCOPE_SUBTREE, '(cn=a*)')
except ldap.NO_SUCH_OBJECT:
    out['other'] = 'noSuchObject'
try:
    c.add_s('cn=x,${BASE}', [('objectClass', [b'person']), ('cn', [b'x']), ('sn', [b'x'])])
except ldap.UNWILLING_TO_PERFORM:
    out['add'] = 'unwillingToPerform'
c2 = ldap.initialize(url)
try:
    c2.simple_bind_s(dn, 'wrong')
except ldap.INVALID_CREDENTIALS:
    out['wrong'] = 'invalidCredentials'
print(json.dumps(out))
`);
    const out = JSON.parse(stdout);
    assert.equal(out.whoami, 'u:phonebook@example.test');
    assert.deepEqual(out.lookup, [[`cn=Hans Müller,${BASE}`, { cn: ['Hans Müller'], mobile: ['+491701234567'] }]]);
    assert.equal(out.paged, 25);
    assert.equal(out.all, 29);
    assert.equal(out.other, 'noSuchObject');
    assert.equal(out.add, 'unwillingToPerform');
    assert.equal(out.wrong, 'invalidCredentials');
  });

  /** Writes raw bytes and collects what comes back until the server closes or `until` holds. */
  const raw = (bytes: Buffer, until: (got: Buffer) => boolean = () => false) =>
    new Promise<{ got: Buffer; closed: boolean }>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => {
        s.destroy();
        resolve({ got, closed: false });
      }, 10_000);
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (until(got)) {
          clearTimeout(timer);
          s.destroy();
          resolve({ got, closed: false });
        }
      });
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ got, closed: true });
      });
      s.on('error', reject);
      s.write(bytes);
    });

  test('bad BER: a message that frames but does not decode gets protocolError under its id, and the connection goes on', async () => {
    // messageID 7, then a BindRequest whose version is an OCTET STRING; then a good unbind-less bind.
    const bad = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x07, 0x60, 0x07, 0x04, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00]);
    const good = Buffer.from([0x30, 0x0c, 0x02, 0x01, 0x08, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00]);
    const { got, closed } = await raw(Buffer.concat([bad, good]), (b) =>
      b.includes(Buffer.from([0x02, 0x01, 0x08, 0x61])),
    );
    assert.equal(closed, false);
    // BindResponse to 7: protocolError (2); to 8: success (anonymous bind).
    assert.ok(got.includes(Buffer.from([0x02, 0x01, 0x07, 0x61])), got.toString('hex'));
    assert.ok(got.includes(Buffer.from([0x0a, 0x01, 0x02])), 'protocolError');
    assert.ok(got.includes(Buffer.from([0x02, 0x01, 0x08, 0x61, 0x07, 0x0a, 0x01, 0x00])), 'success for 8');
  });

  test('lost framing and an oversized request end only that connection; others are served meanwhile', async () => {
    const garbage = raw(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    // A 1 MB SearchRequest announced in its length: refused from the header, before it is read.
    const big = Buffer.concat([Buffer.from([0x30, 0x83, 0x10, 0x00, 0x00]), Buffer.alloc(1000, 0x41)]);
    const oversized = raw(big);
    const served = search(['-H', `ldap://127.0.0.1:${port}`, '-b', BASE, '(sn=Berg)', 'cn']);
    for (const r of [await garbage, await oversized]) {
      assert.equal(r.closed, true);
      assert.ok(r.got.includes(Buffer.from('1.3.6.1.4.1.1466.20036')), 'Notice of Disconnection');
      assert.ok(r.got.includes(Buffer.from([0x0a, 0x01, 0x02])), 'protocolError');
    }
    assert.deepEqual(
      parseLdif((await served).stdout).map(([, a]) => a.cn?.[0]),
      ['Annette Berg'],
    );
  });
});
