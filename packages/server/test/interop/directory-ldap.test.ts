// The LDAP directory source against a real OpenLDAP (Debian's slapd, started here on a free
// loopback port with a throwaway config, 3,000 generated people loaded with slapadd): paged full
// sync past the server's size limit, incremental sync by modifyTimestamp, LDAPS and StartTLS with
// a throwaway CA, clear errors, oversized entries, abort. The AD-only parts (objectGUID, USN
// cursors, AD bind diagnostics) are checked without a server at the top.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Client, InvalidCredentialsError, SizeLimitExceededError } from 'ldapts';
import pino from 'pino';
import type { LdapSourceConfig } from '../../src/directory/ldap/config.js';
import { describeLdapError, LdapSourceError } from '../../src/directory/ldap/errors.js';
import { LdapSource, MAX_NUMBERS } from '../../src/directory/ldap/source.js';
import {
  guidToString,
  MAX_TEXT,
  parseCursor,
  parseGeneralizedTime,
  sidToString,
} from '../../src/directory/ldap/values.js';
import type { NumberType, SourceContact, SyncOutcome } from '../../src/directory/source.js';
import { OutboundPolicy } from '../../src/platform/outbound.js';
import { directorySourceContract } from '../contract/directory-source.contract.js';
import { freePort } from '../support/cli.js';
import { requirePeer } from '../support/interop.js';
import { startTestServer } from '../support/server.js';
import {
  type GeneratedPerson,
  generatePeopleLdif,
  ldifLine,
  probeSlapd,
  type Slapd,
  startSlapd,
} from '../support/slapd.js';

/** slapd listens on loopback, which the outbound policy refuses unless allowed. */
const LOOPBACK = ['127.0.0.0/8', '::1'];
const ldapSource = (config: LdapSourceConfig, secret: string | null = null) =>
  new LdapSource(config, secret, new OutboundPolicy(LOOPBACK));

/* ------------------------------------------------------------------------------------------------
 * Without a server: AD values, cursors, messages
 * --------------------------------------------------------------------------------------------- */

test('objectGUID and objectSid become the strings AD shows', () => {
  const guid = Buffer.from('E004253F894FD3119A0C0305E82C3301', 'hex');
  assert.equal(guidToString(guid), '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  const sid = Buffer.from('010500000000000515000000DCF4DC3B833D2B46828BA62800020000', 'hex');
  assert.equal(sidToString(sid), 'S-1-5-21-1004336348-1177238915-682003330-512');
});

test('cursors: modifyTimestamp and per-DC USN round-trip, garbage is no cursor', () => {
  assert.deepEqual(parseCursor('ts:20240101120000Z'), { kind: 'ts', ts: '20240101120000Z' });
  assert.deepEqual(parseCursor('usn:123456@CN=NTDS Settings,CN=DC1,CN=Servers'), {
    kind: 'usn',
    usn: 123456n,
    dc: 'CN=NTDS Settings,CN=DC1,CN=Servers',
  });
  for (const bad of ['', 'ts:yesterday', 'ts:20240101120000Z)(objectClass=*', 'usn:-1@x', 'sql:5']) {
    assert.equal(parseCursor(bad), null, bad);
  }
  assert.equal(parseGeneralizedTime('20240101120000Z'), Date.UTC(2024, 0, 1, 12));
  assert.equal(parseGeneralizedTime('20240101140000+0200'), Date.UTC(2024, 0, 1, 12));
  assert.equal(parseGeneralizedTime('20240101120000.5Z'), Date.UTC(2024, 0, 1, 12, 0, 0, 500));
});

test('AD bind diagnostics say what is wrong with the account', () => {
  const at = { url: 'ldaps://dc1', bindDn: 'svc@corp', baseDn: 'dc=corp', phase: 'bind' as const, timeoutMs: 1000 };
  const ad = (data: string) =>
    new InvalidCredentialsError(
      `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${data}, v4563`,
    );
  assert.equal(describeLdapError(ad('52e'), at).message, 'invalid credentials (bind DN svc@corp): wrong password');
  assert.match(describeLdapError(ad('775'), at).message, /account locked out/);
  assert.equal(describeLdapError(ad('52e'), at).reason, 'credentials');
});

test('a filter that does not parse is refused up front', () => {
  assert.throws(
    () => new LdapSource({ url: 'ldap://127.0.0.1', baseDn: 'dc=x', filter: '(&(objectClass=person)' }),
    (err: unknown) => err instanceof LdapSourceError && err.reason === 'filter',
  );
  assert.throws(() => new LdapSource({ url: 'http://x', baseDn: 'dc=x' }), /ldap:\/\//);
});

/* ------------------------------------------------------------------------------------------------
 * Against slapd
 * --------------------------------------------------------------------------------------------- */

const skipped = await requirePeer('slapd', probeSlapd);

const PEOPLE = 3000;
const TYPE_OF: Record<string, NumberType> = {
  telephoneNumber: 'work',
  mobile: 'mobile',
  homePhone: 'home',
  facsimileTelephoneNumber: 'fax',
};

/** One entry far beyond what a person has: a 5,000-character name, 150 numbers, a 1 MB photo. */
function hugeEntry(): string {
  const lines = [
    'dn: uid=huge,ou=people,dc=example,dc=test',
    'objectClass: inetOrgPerson',
    'uid: huge',
    'cn: Huge Entry',
    'sn: Entry',
    `displayName: ${'X'.repeat(5000)}`,
    `description: ${'lorem ipsum '.repeat(25_000)}`,
    `jpegPhoto:: ${Buffer.alloc(1024 * 1024, 7).toString('base64')}`,
    'mail: huge@example.test',
  ];
  for (let i = 0; i < 150; i++) lines.push(`telephoneNumber: +49 711 555${String(i).padStart(4, '0')}`);
  lines.push('createTimestamp: 20230101000000Z', 'modifyTimestamp: 20230101000000Z', '', '');
  return lines.join('\n');
}

/** A logger whose records the test can read. */
function captureLog() {
  const records: { level: number; msg: string; [k: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) records.push(JSON.parse(line));
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream), records };
}

interface SyncRun {
  contacts: SourceContact[];
  batches: number[];
  progress: number[];
  outcome: SyncOutcome;
  ms: number;
}

async function runSync(
  source: LdapSource,
  o: { cursor?: string | null; signal?: AbortSignal; onProgress?: (done: number) => void; log?: pino.Logger } = {},
): Promise<SyncRun> {
  const contacts: SourceContact[] = [];
  const batches: number[] = [];
  const progress: number[] = [];
  const started = Date.now();
  const gen = source.sync({
    cursor: o.cursor ?? null,
    signal: o.signal ?? new AbortController().signal,
    progress(done, total) {
      assert.equal(total, null);
      progress.push(done);
      o.onProgress?.(done);
    },
    log: o.log ?? pino({ level: 'silent' }),
  });
  for (;;) {
    const r = await gen.next();
    if (r.done) return { contacts, batches, progress, outcome: r.value, ms: Date.now() - started };
    batches.push(r.value.length);
    contacts.push(...r.value);
  }
}

if (!skipped) {
  describe('LDAP source against slapd', () => {
    let slapd: Slapd;
    let people: GeneratedPerson[];
    let newest: string;
    /** The reader account: a size limit of 1,000 entries, unlimited paged searches. */
    const config = (extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig => ({
      url: slapd.url,
      bindDn: slapd.reader.dn,
      password: slapd.reader.password,
      baseDn: slapd.peopleDn,
      ...extra,
    });

    before(async () => {
      const generated = generatePeopleLdif(PEOPLE, 7);
      people = generated.people;
      newest =
        people
          .map((p) => p.modifyTimestamp)
          .sort()
          .at(-1) ?? '';
      slapd = await startSlapd({ entries: generated.ldif + hugeEntry(), tls: true, sizeLimit: 1000 });
    });
    after(async () => {
      await slapd?.stop();
    });

    test('the generator is deterministic and realistic', () => {
      assert.deepEqual(generatePeopleLdif(PEOPLE, 7).people, people);
      assert.notDeepEqual(generatePeopleLdif(PEOPLE, 8).people, people);
      const raws = people.flatMap((p) => p.numbers.map((n) => n.raw));
      const garbage = raws.filter((r) => !/\d{3}/.test(r)).length;
      assert.ok(garbage > PEOPLE * 0.01 && garbage < PEOPLE * 0.06, `garbage numbers: ${garbage}`);
      for (const prefix of ['+49 ', '+49 (0)', '+43 ', '+41 ', '+44 ', '+1 ']) {
        assert.ok(
          raws.some((r) => r.startsWith(prefix)),
          `a number starting ${prefix}`,
        );
      }
      assert.ok(raws.some((r) => /^0\d{2,4} \d+-\d+$/.test(r)));
      assert.ok(raws.some((r) => /^01\d{2} \d{7,8}$/.test(r)));
      // A few big companies share one switchboard base number.
      const byCompany = new Map<string, number>();
      for (const p of people) byCompany.set(p.company, (byCompany.get(p.company) ?? 0) + 1);
      assert.ok([...byCompany.values()].filter((n) => n >= 150).length >= 3);
      assert.equal(ldifLine('cn', 'Jörg'), 'cn:: SsO2cmc=');
    });

    test('the server really limits the reader to 1,000 entries without paging', async () => {
      const client = new Client({ url: slapd.url, timeout: 10_000 });
      try {
        await client.bind(slapd.reader.dn, slapd.reader.password);
        await assert.rejects(
          client.search(slapd.peopleDn, { filter: '(objectClass=inetOrgPerson)', attributes: ['1.1'] }),
          SizeLimitExceededError,
        );
      } finally {
        await client.unbind();
      }
    });

    test('full sync pages past the size limit and delivers every entry with its numbers', async (t) => {
      const { log, records } = captureLog();
      const run = await runSync(ldapSource(config({ pageSize: 250 })), { log });
      assert.equal(run.contacts.length, PEOPLE + 1);
      assert.equal(run.batches.length, Math.ceil((PEOPLE + 1) / 250));
      assert.ok(run.batches.every((n) => n <= 250));
      assert.deepEqual(
        run.progress,
        run.batches.map((_, i) => run.batches.slice(0, i + 1).reduce((a, b) => a + b)),
      );
      assert.deepEqual(run.outcome, { full: true, cursor: `ts:${newest}` });

      const ids = new Set(run.contacts.map((c) => c.externalId));
      assert.equal(ids.size, run.contacts.length);
      for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      for (const p of people) assert.ok(ids.has(p.entryUUID), `entryUUID of ${p.dn} is its external id`);

      const byEmail = new Map(run.contacts.map((c) => [c.email, c]));
      let multi = 0;
      for (const p of people) {
        const c = byEmail.get(p.email);
        assert.ok(c, p.email);
        assert.equal(c.name, p.name);
        assert.equal(c.company, p.company);
        assert.ok(c.givenName && c.surname && c.department && c.title);
        assert.deepEqual(
          c.numbers,
          p.numbers.map((n) => ({ type: TYPE_OF[n.attr], raw: n.raw })),
          p.dn,
        );
        if (c.numbers.filter((n) => n.type === 'work').length > 1) multi++;
      }
      assert.ok(multi > 0, 'some people have two work numbers (a multi-valued attribute)');

      // The oversized entry: cut, capped, logged, and its 1 MB photo never asked for.
      const huge = byEmail.get('huge@example.test');
      assert.equal(huge?.name?.length, MAX_TEXT);
      assert.equal(huge?.numbers.length, MAX_NUMBERS);
      assert.ok(records.some((r) => r.level === 40 && /too many numbers/.test(r.msg)));
      t.diagnostic(`full sync of ${run.contacts.length} entries in ${run.batches.length} pages: ${run.ms} ms`);
    });

    test('a paged search the server caps in total fails with a clear message', async () => {
      const small = await startSlapd({
        entries: generatePeopleLdif(300, 3).ldif,
        sizeLimit: 100,
        pagedTotalLimit: 100,
      });
      try {
        const source = ldapSource({
          url: small.url,
          bindDn: small.reader.dn,
          password: small.reader.password,
          baseDn: small.peopleDn,
          pageSize: 50,
        });
        await assert.rejects(runSync(source), (err: unknown) => {
          assert.ok(err instanceof LdapSourceError);
          assert.equal(err.reason, 'limit');
          assert.match(err.message, /size limit stopped the search after 100 entries/);
          return true;
        });
      } finally {
        await small.stop();
      }
    });

    test('incremental sync returns only what changed since the cursor, and a newer cursor', async () => {
      const source = ldapSource(config({ pageSize: 500 }));
      const full = await runSync(source);
      const cursor = full.outcome.cursor;
      assert.ok(cursor);
      const dn = (i: number) => `uid=p${String(i).padStart(6, '0')},${slapd.peopleDn}`;
      await slapd.modify(
        [
          `dn: ${dn(10)}`,
          'changetype: modify',
          'replace: telephoneNumber',
          'telephoneNumber: +49 711 999999-10',
          'telephoneNumber: +49 711 999999-11',
          '-',
          '',
          `dn: ${dn(20)}`,
          'changetype: modify',
          'add: mobile',
          'mobile: 0171 5550000',
          '-',
          '',
          `dn: ${dn(30)}`,
          'changetype: modify',
          'replace: displayName',
          ldifLine('displayName', 'Umbenannt, Jürgen'),
          '-',
          '',
          `dn: uid=new0001,${slapd.peopleDn}`,
          'changetype: add',
          'objectClass: inetOrgPerson',
          'uid: new0001',
          'cn: Neue Person',
          'sn: Person',
          'mail: neu@example.test',
          'telephoneNumber: 0711 1234-56',
          '',
          `dn: ${dn(40)}`,
          'changetype: delete',
          '',
        ].join('\n'),
      );
      const inc = await runSync(source, { cursor });
      assert.equal(inc.outcome.full, false);
      assert.ok(inc.outcome.cursor && inc.outcome.cursor > cursor, `${inc.outcome.cursor} > ${cursor}`);
      assert.equal(inc.outcome.deleted, undefined, 'deletions are not seen incrementally');
      const emails = (list: SourceContact[]) => list.map((c) => c.email ?? '').sort();
      const changed = [people[10], people[20], people[30]].map((p) => p?.email ?? '').concat('neu@example.test');
      // `>=`: the cursor's own second comes again (entries changed later in that second are not lost).
      const sameSecond = people.filter((p) => p.modifyTimestamp === newest).map((p) => p.email);
      assert.ok(sameSecond.length > 0);
      assert.deepEqual(emails(inc.contacts), [...changed, ...sameSecond].sort());
      const byEmail = new Map(inc.contacts.map((c) => [c.email, c]));
      assert.deepEqual(
        byEmail.get(people[10]?.email ?? '')?.numbers.filter((n) => n.type === 'work'),
        [
          { type: 'work', raw: '+49 711 999999-10' },
          { type: 'work', raw: '+49 711 999999-11' },
        ],
      );
      assert.ok(byEmail.get(people[20]?.email ?? '')?.numbers.some((n) => n.raw === '0171 5550000'));
      assert.equal(byEmail.get(people[30]?.email ?? '')?.name, 'Umbenannt, Jürgen');
      // The same external ids as in the full sync (entryUUID survives a modify).
      const fullIds = new Map(full.contacts.map((c) => [c.email, c.externalId]));
      for (const c of inc.contacts)
        if (c.email !== 'neu@example.test') assert.equal(c.externalId, fullIds.get(c.email));

      // From the new cursor: at most those of the same second again, nothing else.
      const again = await runSync(source, { cursor: inc.outcome.cursor });
      assert.equal(again.outcome.full, false);
      for (const email of emails(again.contacts)) assert.ok(changed.includes(email), `${email} again`);
      assert.equal(again.outcome.cursor, inc.outcome.cursor);

      // A cursor of another kind (an AD USN) is not trusted: full sync.
      const other = await runSync(source, { cursor: 'usn:42@CN=NTDS Settings,CN=DC9' });
      assert.equal(other.outcome.full, true);
      assert.equal(other.contacts.length, PEOPLE + 1);
    });

    test('through the service: syncs go on incrementally, but fully after the numbering plan changed', async () => {
      const t = await startTestServer({ 'outbound.allow': LOOPBACK });
      try {
        const tenant = await t.core.tenants.create({ domain: 'ldap.test', country: 'DE', areaCode: '711' });
        const { password, ...settings } = config();
        await t.core.directory.sources.create(tenant.id, {
          name: 'ad',
          kind: 'ldap',
          config: settings,
          secret: password,
        });
        const sync = async () => (await t.core.directory.sync.run(tenant.id, 'ad')).full;
        assert.equal(await sync(), true, 'the first sync reads everything');
        assert.equal(await sync(), false, 'then only what changed');
        await t.core.tenants.update(tenant.id, { areaCode: '30' });
        assert.equal(await sync(), true, 'numbers stored under the old plan are all read again');
        assert.equal(await sync(), false);
      } finally {
        await t.stop();
      }
    });

    test('LDAPS and StartTLS with the throwaway CA as tls.ca', async (t) => {
      const ca = slapd.ca;
      assert.ok(ca && slapd.ldapsUrl);
      const ldaps = ldapSource(config({ url: slapd.ldapsUrl, tls: { ca }, pageSize: 1000 }));
      await ldaps.test();
      const viaLdaps = await runSync(ldaps);
      const startTls = ldapSource(config({ startTls: true, tls: { ca }, pageSize: 1000 }));
      await startTls.test();
      const viaStartTls = await runSync(startTls);
      assert.equal(viaLdaps.contacts.length, viaStartTls.contacts.length);
      assert.ok(viaLdaps.contacts.length > PEOPLE);
      t.diagnostic(`LDAPS full sync: ${viaLdaps.ms} ms, StartTLS: ${viaStartTls.ms} ms`);
    });

    test('TLS problems are named', async () => {
      const tlsError = async (extra: Partial<LdapSourceConfig>, pattern: RegExp) => {
        await assert.rejects(ldapSource(config(extra)).test(), (err: unknown) => {
          assert.ok(err instanceof LdapSourceError, String(err));
          assert.equal(err.reason, 'tls');
          assert.match(err.message, pattern);
          return true;
        });
      };
      await tlsError({ url: slapd.ldapsUrl }, /certificate of ldaps:\/\/127\.0\.0\.1:\d+ is not trusted.*tls\.ca/);
      await tlsError({ startTls: true }, /not trusted/);
      await tlsError(
        { url: slapd.ldapsUrl, tls: { ca: slapd.ca, servername: 'ldap.other.test' } },
        /not valid for this host/,
      );
      await tlsError({ url: slapd.url.replace('ldap:', 'ldaps:') }, /TLS handshake .* failed/);
    });

    test('outbound policy: slapd on loopback is refused unless outbound.allow lets the server reach it', async () => {
      await assert.rejects(new LdapSource(config()).test(), (err: unknown) => {
        assert.ok(err instanceof LdapSourceError, String(err));
        assert.equal(err.reason, 'connect');
        assert.equal(
          err.message,
          'refused: 127.0.0.1 is a loopback address (outbound.allow lets a system administrator allow it)',
        );
        return true;
      });
      await assert.rejects(runSync(new LdapSource(config())), /^LdapSourceError: refused: 127\.0\.0\.1 is a loopback/);
      const byName = config({ url: slapd.url.replace('127.0.0.1', 'localhost') });
      await assert.rejects(
        new LdapSource(byName, null, new OutboundPolicy(['10.0.0.0/8'])).test(),
        /refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
      );
      await new LdapSource(byName, null, new OutboundPolicy(['localhost'])).test();
      await ldapSource(config()).test();
    });

    test('outbound policy: LDAPS goes to the checked address and still verifies the certificate for the name', async () => {
      // Names only the policy's resolver knows: the connection can only use its (checked) answer.
      const policy = new OutboundPolicy(['127.0.0.0/8'], {
        resolver: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      const ldaps = (host: string) =>
        new LdapSource(
          config({ url: String(slapd.ldapsUrl).replace('127.0.0.1', host), tls: { ca: slapd.ca } }),
          null,
          policy,
        );
      await ldaps('localhost').test();
      await assert.rejects(
        ldaps('ldap.pinned.test').test(),
        /certificate of ldaps:\/\/ldap\.pinned\.test:\d+ is not valid/,
      );
    });

    test('test() explains bad credentials, a missing base DN, a server that is down or hangs', async () => {
      await ldapSource(config()).test();
      // The sealed secret the service passes wins over a password in the settings.
      await ldapSource(config({ password: 'stale' }), slapd.reader.password).test();
      await assert.rejects(
        ldapSource(config({ password: 'wrong' })).test(),
        /^LdapSourceError: invalid credentials \(bind DN cn=reader,dc=example,dc=test\)$/,
      );
      await assert.rejects(
        ldapSource(config({ baseDn: 'ou=nobody,dc=example,dc=test' })).test(),
        /base DN not found: ou=nobody,dc=example,dc=test/,
      );
      const port = await freePort();
      await assert.rejects(
        ldapSource(config({ url: `ldap://127.0.0.1:${port}` })).test(),
        new RegExp(`connection refused to ldap://127\\.0\\.0\\.1:${port}`),
      );
      await assert.rejects(runSync(ldapSource(config({ url: `ldap://127.0.0.1:${port}` }))), /connection refused/);
      // A paused server never answers: the rejection itself shows that the time limit stopped the
      // wait; the bound only tells a failure from a hang.
      await slapd.pause();
      try {
        const started = Date.now();
        await assert.rejects(ldapSource(config({ timeoutMs: 300 })).test(), /did not answer within 300 ms/);
        assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
      } finally {
        slapd.resume();
      }
    });

    test('an abort stops the sync between pages and during a request', async () => {
      const source = ldapSource(config({ pageSize: 100 }));
      const ac = new AbortController();
      const seen: number[] = [];
      await assert.rejects(
        runSync(source, {
          signal: ac.signal,
          onProgress: (done) => {
            seen.push(done);
            if (done >= 300) ac.abort();
          },
        }),
        { name: 'AbortError' },
      );
      assert.deepEqual(seen, [100, 200, 300]);

      await assert.rejects(runSync(source, { signal: AbortSignal.abort() }), { name: 'AbortError' });

      // During a request to a paused server, which never answers: only the signal can end it.
      await slapd.pause();
      try {
        const started = Date.now();
        await assert.rejects(runSync(source, { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
        assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
      } finally {
        slapd.resume();
      }
      // The server is fine afterwards.
      await source.test();
    });
  });

  describe('LDAP source contract', () => {
    let small: Slapd;
    const { people: few, ldif } = generatePeopleLdif(300, 11);
    before(async () => {
      small = await startSlapd({ entries: ldif, sizeLimit: 100 });
    });
    after(async () => {
      await small?.stop();
    });
    const first = few[0] as GeneratedPerson;
    let changes = 0;
    directorySourceContract(
      'ldap',
      async () => ({
        source: ldapSource({
          url: small.url,
          bindDn: small.reader.dn,
          password: small.reader.password,
          baseDn: small.peopleDn,
          pageSize: 40,
        }),
        count: few.length,
        sample: { externalId: first.entryUUID, name: first.name, numbers: first.numbers.map((n) => n.raw) },
        change: async () => {
          const p = few[5] as GeneratedPerson;
          changes++;
          await small.modify(
            [`dn: ${p.dn}`, 'changetype: modify', 'replace: title', `title: Changed ${changes}`, '-', ''].join('\n'),
          );
          return p.entryUUID;
        },
      }),
      { incremental: true },
    );
  });
}
