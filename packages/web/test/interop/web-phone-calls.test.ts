// The phone panel drives real calls: click to call from the contact list makes the user's own SIP
// phone ring (auto-answer), then the destination, and the panel follows the call until it is
// connected and hung up; a call ringing at the user shows in the banner with the caller's name,
// also a caller from outside over a SIP trunk, named from the directory.
// The phones are in-process SIP user agents registered with devices the users created.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SDP, SipPhone } from '../../../server/test/support/sip-phone.js';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer, type WebTestServer } from '../support/server.js';

const skipped = await requireChromium();
const sdp = [{ name: 'Content-Type', value: 'application/sdp' }];

/** The demo users' lines (extensions) and a registered desk phone for each of `locals`. */
async function phonesFor(server: WebTestServer, locals: string[], after: (fn: () => unknown) => void) {
  const admin = await server.login('admin');
  const users = (await admin.api.request('admin.users.list', { query: {} })).users;
  const phones: Record<string, SipPhone> = {};
  for (const [i, local] of locals.entries()) {
    const user = users.find((u) => u.address === `${local}@example.test`);
    assert.ok(user);
    await admin.api.request('admin.lines.create', { body: { number: String(201 + i), user: user.id } });
    const { api } = await server.login(local);
    const created = await api.request('me.devices.create', { body: { name: 'Desk phone' } });
    const phone = await SipPhone.open({
      server: { host: '127.0.0.1', port: server.sipPort() },
      aor: `${local}@example.test`,
      username: created.device.username,
      password: created.password,
    });
    after(() => phone.close());
    assert.equal((await phone.register(600)).status, 200);
    phones[local] = phone;
  }
  return phones;
}

if (!skipped) {
  const browser = browserForFile();

  test('click to call: the own phone answers, the destination rings, the panel shows the call connected, then hangs up', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const phones = await phonesFor(server, ['alice', 'bob'], (fn) => t.after(fn));
    const alicePhone = phones.alice as SipPhone;
    const bobPhone = phones.bob as SipPhone;

    const { page, context } = await signedIn(
      browser(),
      server.url,
      'alice@example.test',
      server.passwords.alice as string,
    );
    t.after(() => context.close());
    await page.getByRole('link', { name: 'Contacts' }).click();
    await page
      .locator('[data-group="colleagues"] [data-contact="bob@example.test"]')
      .getByRole('button', { name: /^Call Bob/ })
      .click();

    // MakeCall: alice's own phone first, with the auto-answer hint (RFC 5373), then bob's.
    const own = await alicePhone.next('INVITE');
    assert.equal(own.request.headers.find((h) => h.name.toLowerCase() === 'answer-mode')?.value, 'Auto');
    own.reply(200, 'OK', { headers: sdp, body: SDP(40000) });
    await page.locator('nav a[aria-current="page"][href="/calls"]').waitFor();
    const call = page.locator('.live-call');
    const atBob = await bobPhone.next('INVITE');
    atBob.reply(180, 'Ringing');
    await call.filter({ hasText: /Bob .*Ringing…/ }).waitFor();
    atBob.reply(200, 'OK', { headers: sdp, body: SDP(41000) });
    (await alicePhone.next('INVITE')).reply(200, 'OK', { headers: sdp, body: SDP(40000) });
    await call.filter({ hasText: /Bob .*Connected/ }).waitFor();
    assert.equal(await call.getAttribute('data-state'), 'connected');

    await call.getByRole('button', { name: 'Hang up' }).click();
    for (const p of [alicePhone, bobPhone]) (await p.next('BYE')).reply(200, 'OK');
    await page.getByText('No calls right now.').waitFor();
    // The call is in the journal, with whom and how it ended.
    await page.locator('.journal-entry[data-result="answered"]').filter({ hasText: /Bob/ }).waitFor();
  });

  test('a call ringing at the user shows in the banner with the caller’s name; a missed call counts in the navigation', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const phones = await phonesFor(server, ['alice', 'bob'], (fn) => t.after(fn));
    const alicePhone = phones.alice as SipPhone;
    const bobPhone = phones.bob as SipPhone;

    const { page, context } = await signedIn(
      browser(),
      server.url,
      'alice@example.test',
      server.passwords.alice as string,
    );
    t.after(() => context.close());
    const banner = page.getByTestId('incoming-call');

    const placed = bobPhone.invite('alice@example.test');
    const ringing = await alicePhone.next('INVITE');
    ringing.reply(180, 'Ringing');
    await banner.filter({ hasText: 'Incoming call: Bob Baker' }).waitFor();
    // The test phone announces no talk event (nor uaCSTA): answering from the browser is refused, and the banner says why.
    await banner.getByRole('button', { name: 'Answer' }).click();
    await banner.getByRole('alert').filter({ hasText: 'Your phone cannot do this remotely' }).waitFor();
    // Nobody answers: the caller gives up (CANCEL), the banner goes, the missed call is counted.
    assert.equal((await bobPhone.cancelInvite()).status, 200);
    (await alicePhone.next('CANCEL')).reply(200, 'OK');
    ringing.reply(487, 'Request Terminated');
    assert.equal((await placed).response.status, 487);
    await banner.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Calls, 1 missed' }).click();
    await page.getByRole('button', { name: 'Missed calls' }).click();
    const entry = page.locator('.journal-entry[data-result="missed"]').filter({ hasText: 'Bob Baker' });
    await entry.getByRole('button', { name: 'Mark read' }).click();
    await page.getByRole('link', { name: 'Calls', exact: true }).waitFor();
    // A memo, kept on the server; the CSV export carries the filter.
    await entry.getByRole('button', { name: 'Memo' }).click();
    await entry.getByRole('textbox', { name: 'Memo on the call with Bob Baker' }).fill('Call back about the offer');
    await entry.getByRole('button', { name: 'Save' }).click();
    await entry.locator('.journal-memo').filter({ hasText: 'Call back about the offer' }).waitFor();
    const { api } = await server.login('alice');
    const [saved] = (await api.request('journal.list', { query: { result: 'missed' } })).entries;
    assert.equal(saved?.memo, 'Call back about the offer');
    assert.equal(saved?.read, true);
    assert.equal(
      await page.getByRole('link', { name: 'Export as CSV' }).getAttribute('href'),
      '/api/v1/journal.csv?result=missed',
    );
  });

  test('a call from outside over the trunk shows the directory name and company in the banner', async (t) => {
    // The provider's gateway is a test phone on loopback, which the system admin allows here.
    const server = await startWebServer({ PARLEY_OUTBOUND_ALLOW: '127.0.0.1' });
    t.after(() => server.dispose());
    const phones = await phonesFor(server, ['alice'], (fn) => t.after(fn));
    const alicePhone = phones.alice as SipPhone;
    const admin = await server.login('admin');
    const users = (await admin.api.request('admin.users.list', { query: {} })).users;
    const alice = users.find((u) => u.address === 'alice@example.test');
    assert.ok(alice);
    await admin.api.request('admin.lines.delete', { params: { number: '201' } });
    await admin.api.request('admin.lines.create', { body: { number: '201', user: alice.id, did: '+4971112345201' } });
    const provider = await SipPhone.open({
      server: { host: '127.0.0.1', port: server.sipPort() },
      aor: '07119876543@provider.test',
      username: 'unused',
      password: 'unused',
    });
    t.after(() => provider.close());
    await admin.api.request('admin.trunks.create', {
      body: {
        name: 'itsp',
        host: '127.0.0.1',
        port: provider.local.port,
        inboundSources: [`127.0.0.1:${provider.local.port}`],
      },
    });
    const source = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'phonebook', kind: 'file', config: {} },
    });
    const imported = await fetch(`${server.url}/api/v1/admin/directory/sources/${source.id}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' },
      body: 'Name;Firma;Telefon\nAnna Berger;Muster GmbH;+49 711 9876543\n',
    });
    assert.equal(imported.status, 200, await imported.text());

    const { page, context } = await signedIn(
      browser(),
      server.url,
      'alice@example.test',
      server.passwords.alice as string,
    );
    t.after(() => context.close());
    const placed = provider.invite('071112345201@127.0.0.1');
    const ringing = await alicePhone.next('INVITE');
    ringing.reply(180, 'Ringing');
    await page.getByTestId('incoming-call').filter({ hasText: 'Incoming call: Anna Berger, Muster GmbH' }).waitFor();
    assert.equal((await provider.cancelInvite()).status, 200);
    (await alicePhone.next('CANCEL')).reply(200, 'OK');
    ringing.reply(487, 'Request Terminated');
    assert.equal((await placed).response.status, 487);
  });

  test('a busy call offers "call back when free"; the pending call-back is listed and can be cancelled', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const phones = await phonesFor(server, ['alice', 'bob'], (fn) => t.after(fn));
    const alicePhone = phones.alice as SipPhone;
    const bobPhone = phones.bob as SipPhone;
    const { page, context } = await signedIn(
      browser(),
      server.url,
      'alice@example.test',
      server.passwords.alice as string,
    );
    t.after(() => context.close());
    await page.getByRole('link', { name: 'Calls', exact: true }).click();

    // Alice dials bob on her desk phone; the panel shows it ringing; then bob's phone says busy.
    const placed = alicePhone.invite('202@example.test');
    const atBob = await bobPhone.next('INVITE');
    atBob.reply(180, 'Ringing');
    await page
      .locator('.live-call')
      .filter({ hasText: /Bob Baker .*Ringing…/ })
      .waitFor();
    atBob.reply(486, 'Busy Here');
    assert.equal((await placed).response.status, 486);
    const offer = page.locator('.call-back-offer').filter({ hasText: 'Bob Baker is busy.' });
    await offer.getByRole('button', { name: 'Call back when free' }).click();
    const pending = page.locator('.call-backs [data-call-back]').filter({ hasText: /Bob Baker \(202\), until/ });
    await pending.waitFor();
    await offer.waitFor({ state: 'detached' });
    const { api } = await server.login('alice');
    assert.deepEqual(
      (await api.request('callbacks.list', {})).callBacks.map((c) => [c.to, c.mode]),
      [['202', 'noAnswer']],
    );
    await pending.getByRole('button', { name: 'Cancel' }).click();
    await pending.waitFor({ state: 'detached' });
    assert.deepEqual((await api.request('callbacks.list', {})).callBacks, []);
  });
}
