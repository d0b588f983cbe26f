// The directory and the administration screens end to end: a real server (its own process, fresh
// data folder, demo tenant) serving the production build, Debian's Chromium driven by
// playwright-core, and, for the directory sources, an HTTP "CRM" served by this test.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { directoryPaths } from '@parley/api';
import type { Page } from 'playwright-core';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer, type WebTestServer } from '../support/server.js';

const skipped = await requireChromium();

/** A phone book as an Outlook-style CSV export (German headers), one row broken. */
const phonebook = [
  'Name;Firma;Abteilung;E-Mail;Telefon;Mobiltelefon',
  'Anna Berger;Muster GmbH;Einkauf;anna@muster.example;+49 711 123456-12;0151 23456789',
  'Zentrale;Muster GmbH;;;+49 711 123456-0;',
  'Kaputt;zu;viele;Felder;hier;ja;nein',
  'Hotline;Service AG;;;+49 800 1234567;',
].join('\r\n');

async function importCsv(server: WebTestServer, token: string, sourceId: string, csv: string) {
  const res = await fetch(`${server.url}${directoryPaths.import.replace(':id', sourceId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { summary: { entries: number } };
}

/** The server's reason for a refused lookup (English, for logs and API users): the page shows its own texts instead. */
async function serverReason(server: WebTestServer, token: string, number: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/directory/lookup?number=${encodeURIComponent(number)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'PARLEY_ERR_VALIDATION');
  return body.error.message;
}

/**
 * A CRM with 8 contacts, 2 per page, each page answered after `delayMs` (so a sync takes a few
 * seconds and its progress can be watched); one contact has a number nobody can understand.
 * `/broken` answers 500. Records the Authorization header it receives.
 */
async function startCrm(delayMs: number) {
  const contacts = Array.from({ length: 8 }, (_, i) => ({
    id: `c${i + 1}`,
    name: `Kunde ${i + 1}`,
    company: i < 4 ? 'Kunden AG' : 'Partner KG',
    phone: i === 5 ? '+999 12' : `+49 30 5550${i + 1}0`,
    mobile: i === 0 ? '0170 1234567' : null,
  }));
  const authorizations: string[] = [];
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//parley test//EN',
    'BEGIN:VEVENT',
    'UID:1@test',
    'DTSTAMP:20260101T000000Z',
    'DTSTART:20260101T090000Z',
    'DTEND:20260101T100000Z',
    'SUMMARY:New year',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    authorizations.push(String(req.headers.authorization ?? ''));
    if (url.pathname === '/calendar.ics') {
      res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics);
      return;
    }
    if (url.pathname !== '/contacts') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}');
      return;
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('pageSize') ?? 100);
    const data = contacts.slice((page - 1) * size, page * size);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, total: contacts.length }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The test's CRM listens on loopback, which the server's outbound policy refuses unless allowed. */
const CRM_ON_LOOPBACK = { PARLEY_OUTBOUND_ALLOW: '127.0.0.0/8,::1' };

if (!skipped) {
  const browser = browserForFile();

  test('directory: typeahead with the keyboard, the contact card, reverse lookup with match kinds and errors', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const admin = await server.login('admin');
    const source = await admin.api.request('admin.directory.sources.create', {
      body: { name: 'phonebook', kind: 'file', config: {} },
    });
    assert.equal((await importCsv(server, admin.token, source.id, phonebook)).summary.entries, 3);
    const alice = await server.login('alice');

    const { page, context } = await signedIn(
      browser(),
      server.url,
      'alice@example.test',
      server.passwords.alice as string,
    );
    t.after(() => context.close());
    await page.getByRole('link', { name: 'Directory', exact: true }).click();
    const box = page.getByRole('combobox', { name: 'Search the directory' });

    // Typeahead: the list follows the typing; ↓ makes the first option active, Enter opens it.
    await box.pressSequentially('ann', { delay: 40 });
    const anna = page.getByRole('option', { name: /Anna Berger/ });
    await anna.waitFor();
    assert.equal(await page.getByRole('option').count(), 1, 'only Anna matches "ann"');
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    await box.press('ArrowDown');
    assert.equal(await anna.getAttribute('aria-selected'), 'true');
    assert.equal(await box.getAttribute('aria-activedescendant'), await anna.getAttribute('id'));
    await box.press('Enter');

    const card = page.getByTestId('contact-card');
    await card.getByRole('heading', { name: 'Anna Berger' }).waitFor();
    assert.equal(await card.locator('[data-field="company"]').textContent(), 'Muster GmbH');
    assert.equal(await card.locator('[data-field="department"]').textContent(), 'Einkauf');
    assert.equal(await card.locator('[data-field="source"]').textContent(), 'phonebook');
    await card.getByRole('link', { name: 'anna@muster.example' }).waitFor();
    // Numbers as the source wrote them, with their type.
    const work = card.locator('[data-number="+49 711 123456-12"]');
    assert.match((await work.textContent()) ?? '', /^Work\+49 711 123456-12/);
    assert.match((await card.locator('[data-number="0151 23456789"]').textContent()) ?? '', /^Mobile0151 23456789/);

    // A number on the card is looked up in reverse: Anna, an exact match. The number as people
    // write it (national: the demo tenant is in Germany), the match in words, no scores.
    await work.getByRole('button', { name: 'Look up +49 711 123456-12' }).click();
    const result = page.getByTestId('lookup-result');
    await result.getByRole('heading', { name: 'Who is behind 0711 12345612' }).waitFor();
    const exact = result.locator('li').first();
    assert.equal(await exact.getAttribute('data-match'), 'exact');
    assert.match((await exact.textContent()) ?? '', /Anna Berger.*Exact: this very number/);
    assert.doesNotMatch((await result.textContent()) ?? '', /score|\+4971112345612/);

    // A switchboard variant of the company's number: nobody exact, so the company, uncertain.
    const numberField = page.getByLabel('Reverse lookup: phone number');
    assert.equal(await numberField.inputValue(), '+49 711 123456-12');
    await numberField.fill('+49 711 1234561');
    await page.getByRole('button', { name: 'Look up', exact: true }).click();
    await result.getByRole('heading', { name: 'Who is behind 0711 1234561' }).waitFor();
    const company = result.locator('li').first();
    assert.equal(await company.getAttribute('data-match'), 'company');
    // The stored number that matched as the source wrote it, and how it matched in words.
    assert.match(
      (await company.textContent()) ?? '',
      /~Muster GmbH.*\+49 711 123456-0.*Company switchboard \(uncertain\)/,
    );
    // The best candidate's card is open at once.
    await card.getByRole('heading', { name: '~Muster GmbH' }).waitFor();
    assert.equal(await company.getByRole('button').getAttribute('aria-pressed'), 'true');
    await card.getByText('Uncertain', { exact: true }).waitFor();

    // An invalid number: the app's own texts for the error code and the field, not the server's.
    const reason = await serverReason(server, alice.token, 'hello');
    await numberField.fill('hello');
    await numberField.press('Enter');
    const error = page.getByTestId('lookup-error');
    await error.waitFor();
    assert.equal(
      await error.textContent(),
      'Some input is not valid. This is not a phone number you can use here. Enter one such as +49 711 123456 or 1234.',
    );
    assert.ok(!(await error.textContent())?.includes(reason), `not the server's English: ${reason}`);
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await result.count(), 0, 'no result shown for an invalid number');

    // A number typed into the search box offers its lookup first; Enter runs it.
    await box.fill('');
    await box.pressSequentially('0800 1234567', { delay: 20 });
    await page.getByRole('option', { name: /Look up 0800 1234567/ }).waitFor();
    await box.press('Enter');
    await result.getByRole('heading', { name: 'Who is behind 0800 1234567' }).waitFor();
    assert.match((await result.locator('li').first().textContent()) ?? '', /Hotline.*Exact: this very number/);

    // Colleagues are in the directory too (the users source), with their Parley address.
    await box.fill('bob');
    await page.getByRole('option', { name: /Bob Baker/ }).click();
    await card.getByRole('heading', { name: 'Bob Baker' }).waitFor();
    assert.equal(await card.locator('[data-field="source"]').textContent(), 'users');
    assert.equal(await card.locator('[data-field="address"]').textContent(), 'bob@example.test');

    // On a phone (375 px) the search and the card take turns, with a way back.
    const phone = await signedIn(browser(), server.url, 'bob@example.test', server.passwords.bob as string, {
      viewport: { width: 375, height: 740 },
    });
    t.after(() => phone.context.close());
    await phone.page.getByRole('link', { name: 'Directory', exact: true }).click();
    const phoneBox = phone.page.getByRole('combobox', { name: 'Search the directory' });
    await phoneBox.pressSequentially('muster', { delay: 30 });
    await phone.page.getByRole('option', { name: /Zentrale/ }).waitFor();
    await phoneBox.press('ArrowDown');
    await phoneBox.press('ArrowDown');
    await phoneBox.press('ArrowUp');
    await phoneBox.press('Enter');
    const phoneCard = phone.page.getByTestId('contact-card');
    await phoneCard.waitFor();
    assert.equal(await phoneBox.isVisible(), false, 'the search gives way to the card');
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no horizontal scrolling at 375 px (${width})`);
    await phone.page.getByRole('link', { name: 'Back to the search' }).click();
    await phoneBox.waitFor();
  });

  test('administration: an admin creates a user who can then sign in; edit, disable, password, calendar, tenants', async (t) => {
    const server = await startWebServer(CRM_ON_LOOPBACK);
    t.after(() => server.dispose());
    const crm = await startCrm(0);
    t.after(() => crm.close());
    const admin = await signedIn(browser(), server.url, 'admin@example.test', server.passwords.admin as string);
    t.after(() => admin.context.close());
    const page = admin.page;

    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: /^Users/ }).click();
    await page.getByRole('heading', { name: 'Users', level: 2 }).waitFor();
    await page.locator('[data-user="alice@example.test"]').waitFor();

    // Create a user; the server generates the password and the page shows it once.
    await page.getByRole('button', { name: 'New user' }).click();
    const create = page.getByRole('dialog', { name: 'New user' });
    await create.getByLabel('User name').fill('dora');
    await create.getByLabel('Display name').fill('Dora Diaz');
    await create.getByLabel('E-mail').fill('dora@example.test');
    await create.getByLabel('Numbers').fill('104, +49 711 555104');
    await create.getByRole('button', { name: 'Create user' }).click();
    await create.getByTestId('user-created').filter({ hasText: 'dora@example.test was created.' }).waitFor();
    const password = (await create.getByTestId('generated-password').textContent()) ?? '';
    assert.ok(password.length >= 8, 'a generated password is shown');
    await create.getByRole('button', { name: 'Done' }).click();
    const doraRow = page.locator('[data-user="dora@example.test"]');
    await doraRow.filter({ hasText: 'Dora Diaz' }).waitFor();

    // A wrong entry: the app's own text next to the field it concerns (not the server's English
    // "body.local: must be …"), the field marked invalid, the code's text in the status.
    await page.getByRole('button', { name: 'New user' }).click();
    const userName = create.getByLabel('User name');
    await userName.fill('-bad-');
    await create.getByRole('button', { name: 'Create user' }).click();
    await create.getByRole('alert').filter({ hasText: 'Some input is not valid.' }).waitFor();
    const localError = create.locator('[data-field="local"] .field-error');
    assert.match((await localError.textContent()) ?? '', /^The user name takes 1–64 letters/);
    assert.equal(await userName.getAttribute('aria-invalid'), 'true');
    assert.match(
      (await userName.getAttribute('aria-describedby')) ?? '',
      new RegExp(`${await localError.getAttribute('id')}`),
    );
    assert.doesNotMatch((await create.textContent()) ?? '', /body\.local|must be/);
    // A user that exists: said at the user name too.
    await userName.fill('dora');
    await create.getByRole('button', { name: 'Create user' }).click();
    await localError.filter({ hasText: 'A user with this name exists already.' }).waitFor();
    await create.getByRole('alert').filter({ hasText: 'This exists already.' }).waitFor();
    await create.getByRole('button', { name: 'Cancel' }).click();

    // Dora signs in in a browser of her own; she is no admin, so she has no Admin tab.
    const dora = await signedIn(browser(), server.url, 'dora@example.test', password);
    t.after(() => dora.context.close());
    await dora.page.getByRole('button', { name: /^Your presence: / }).waitFor();
    assert.equal(await dora.page.getByRole('link', { name: 'Admin', exact: true }).count(), 0);
    await dora.page.goto('/admin/users');
    await dora.page.getByRole('link', { name: 'Directory', exact: true }).waitFor();
    await dora.page.waitForTimeout(300);
    assert.equal(await dora.page.locator('[data-admin]').count(), 0, 'no administration for users');
    assert.equal(await dora.page.getByRole('button', { name: 'New user' }).count(), 0);

    // Edit her: another display name and the tenant-admin role.
    await doraRow.getByRole('button').click();
    const edit = page.getByRole('dialog', { name: 'Dora Diaz' });
    await edit.waitFor();
    await edit.getByLabel('Display name').fill('Dora D. Diaz');
    await edit.getByLabel('Role').selectOption({ label: 'Tenant admin' });
    await edit.getByRole('button', { name: 'Save' }).click();
    // The dialog follows the new name.
    await page.getByRole('dialog', { name: 'Dora D. Diaz' }).getByText('Saved.').waitFor();
    await doraRow.filter({ hasText: 'Dora D. Diaz' }).filter({ hasText: 'Tenant admin' }).waitFor();
    // Her own browser learns of it live (user.updated): she gets the Admin tab.
    await dora.page.getByRole('link', { name: 'Admin', exact: true }).waitFor();

    // Disabling her ends her session at once.
    const edited = page.getByRole('dialog', { name: 'Dora D. Diaz' });
    await edited.getByRole('button', { name: 'Disable' }).click();
    await edited
      .getByTestId('account-status')
      .filter({ hasText: /^Disabled;/ })
      .waitFor();
    await dora.page.getByText('Your session has ended. Please sign in again.').waitFor();
    await doraRow.getByText('Disabled', { exact: true }).waitFor();
    await dora.page.getByLabel('Password').fill(password);
    await dora.page.getByRole('button', { name: 'Sign in' }).click();
    await dora.page.getByText('Wrong address or password.').waitFor();

    // Enable her again with a password the admin chooses.
    await edited.getByRole('button', { name: 'Enable' }).click();
    await edited.getByTestId('account-status').filter({ hasText: 'Enabled.' }).waitFor();
    await edited.getByLabel('New password').fill('dora-new-secret');
    await edited.getByRole('button', { name: 'Reset password' }).click();
    await edited
      .getByTestId('account-status')
      .filter({ hasText: /^The password was changed/ })
      .waitFor();
    await dora.page.getByLabel('Password').fill('dora-new-secret');
    await dora.page.getByRole('button', { name: 'Sign in' }).click();
    await dora.page.getByRole('button', { name: /^Your presence: / }).waitFor();

    // Her calendar: an ICS address, polled now.
    const calendar = edited.getByTestId('user-calendar');
    await calendar.getByText('No calendar connected.').waitFor();
    await calendar.getByLabel('Type').selectOption('ics');
    await calendar.getByLabel('Calendar address').fill(`${crm.base}/calendar.ics`);
    await calendar.getByRole('button', { name: 'Connect calendar' }).click();
    await calendar.getByText('Calendar connected.').waitFor();
    // The server polls a new calendar by itself; the page shows it live, without "Sync now".
    const lastSync = calendar.getByTestId('calendar-last-sync');
    assert.notEqual(await lastSync.textContent(), 'never', 'not "never" while the first sync is due');
    await lastSync.filter({ hasNotText: /never|First sync/ }).waitFor({ timeout: 60_000 });
    await calendar.getByRole('button', { name: 'Sync now' }).click();
    await calendar.getByText('Calendar synced.').waitFor();
    assert.ok(crm.authorizations.length > 0, 'the server fetched the calendar');
    assert.equal(await calendar.getByText('never', { exact: true }).count(), 0, 'the last sync is shown');
    await edited.getByRole('button', { name: 'Close' }).click();
    await edited.waitFor({ state: 'hidden' });

    // Tenants and domains (system administrators only).
    await page.getByRole('link', { name: /^Tenants and domains/ }).click();
    await page.locator('[data-tenant="example.test"]').waitFor();
    await page.getByRole('button', { name: 'New tenant' }).click();
    const newTenant = page.getByRole('dialog', { name: 'New tenant' });
    await newTenant.getByLabel('Primary domain').fill('acme.test');
    await newTenant.getByLabel('Name', { exact: true }).fill('Acme');
    await newTenant.getByLabel('Country').fill('DE');
    await newTenant.getByLabel('Area code').fill('30');
    await newTenant.getByRole('button', { name: 'Create tenant' }).click();
    const acme = page.locator('[data-tenant="acme.test"]');
    await acme.filter({ hasText: 'Acme' }).waitFor();
    await acme.getByRole('button').click();
    const editTenant = page.getByRole('dialog', { name: 'Acme' });
    await editTenant.getByLabel('Add domain').fill('acme.example');
    await editTenant.getByRole('button', { name: 'Add domain' }).click();
    await editTenant.getByRole('button', { name: 'Remove acme.example' }).waitFor();
    await acme.filter({ hasText: 'acme.test, acme.example' }).waitFor();
    await editTenant.getByLabel('PBX base number').fill('+49301234');
    await editTenant.getByRole('button', { name: 'Save' }).click();
    await editTenant.getByRole('form', { name: 'Tenant settings' }).getByText('Saved.').waitFor();
    const tenants = await (await server.login('admin')).api.request('admin.tenants.list', { query: {} });
    const stored = tenants.tenants.find((x) => x.domains[0] === 'acme.test');
    assert.deepEqual(stored?.domains, ['acme.test', 'acme.example']);
    assert.equal(stored?.numbering?.pbxBase, '+49301234');
    assert.equal(stored?.areaCode, '30');
  });

  test('administration: directory sources — add an HTTP source with a secret, test it, sync with progress, report; import a file', async (t) => {
    const server = await startWebServer(CRM_ON_LOOPBACK);
    t.after(() => server.dispose());
    const crm = await startCrm(700);
    t.after(() => crm.close());
    const admin = await signedIn(browser(), server.url, 'admin@example.test', server.passwords.admin as string);
    t.after(() => admin.context.close());
    const page: Page = admin.page;

    await page.goto('/admin/sources');
    await page.getByRole('heading', { name: 'Directory sources', level: 2 }).waitFor();
    await page.getByText('No directory sources yet.').waitFor();

    // Add the CRM: the usual settings as fields, the rest in the JSON they edit.
    await page.getByRole('button', { name: 'New source' }).click();
    const form = page.getByRole('dialog', { name: 'New source' });
    await form.getByLabel('Name', { exact: true }).fill('crm');
    await form.getByLabel('Kind').selectOption({ label: 'HTTP / CRM' });
    await form.getByLabel('Secret header value (e.g. Bearer …)').fill('Bearer s3cret-token');
    await form.getByLabel('Address', { exact: true }).fill(`${crm.base}/contacts`);
    await form.getByLabel('Where the contacts are').fill('data');
    await form.getByLabel('Where the total is').fill('total');
    await form.getByLabel('Paging').selectOption('page');
    await form.getByLabel('Page size').fill('2');
    await form.getByLabel('Company field').fill('company');
    await form.getByLabel('Number fields').fill('phone:work, mobile:mobile');
    await form.locator('summary', { hasText: 'All settings (JSON)' }).click();
    const json = JSON.parse(await form.getByLabel('All settings (JSON)').inputValue());
    assert.deepEqual(json, {
      url: `${crm.base}/contacts`,
      mapping: {
        id: 'id',
        name: 'name',
        numbers: [
          { path: 'phone', type: 'work' },
          { path: 'mobile', type: 'mobile' },
        ],
        company: 'company',
      },
      itemsPath: 'data',
      totalPath: 'total',
      paging: { kind: 'page', pageSize: 2 },
    });
    await form.getByRole('button', { name: 'Add source' }).click();
    await form.waitFor({ state: 'hidden' });
    const item = page.locator('[data-source="crm"]');
    await item.getByTestId('source-state').filter({ hasText: 'Not synced yet' }).waitFor();
    await item.getByText('stored (never shown)').waitFor();

    // Test the connection: the secret went to the CRM in its header.
    await item.getByRole('button', { name: 'Test connection' }).click();
    await item.getByTestId('source-status').filter({ hasText: 'The connection works.' }).waitFor();
    assert.ok(crm.authorizations.includes('Bearer s3cret-token'), 'the sealed secret is used');

    // Sync now: the progress bar follows the server's sync status, then the result and the report.
    await item.getByRole('button', { name: 'Sync now' }).click();
    const bar = item.getByRole('progressbar', { name: 'Sync progress of crm' });
    await bar.waitFor();
    const text = item.getByTestId('sync-progress-text');
    await text.filter({ hasText: /^[2-6] of 8 \(\d+ %\)$/ }).waitFor();
    const { value, max } = await bar.evaluate((el) => ({
      value: (el as HTMLProgressElement).value,
      max: (el as HTMLProgressElement).max,
    }));
    assert.ok(value > 0 && value < 8, `the bar shows part of the way (${value} of 8)`);
    assert.equal(max, 8);
    await item.getByTestId('source-state').filter({ hasText: 'OK' }).waitFor();
    assert.equal(await bar.count(), 0, 'the bar goes when the sync is done');
    assert.equal(await item.locator('[data-field="entries"]').textContent(), '8');
    assert.equal(await item.locator('[data-field="invalid"]').textContent(), '1');
    const report = item.getByTestId('source-report');
    await report.getByText('Last sync report — numbers not understood: 1, rows skipped: 0').click();
    await report.getByRole('cell', { name: '+999 12' }).waitFor();
    await report.getByRole('cell', { name: 'c6' }).waitFor();

    // The synced contacts are in the directory at once.
    await page.getByRole('link', { name: 'Directory', exact: true }).click();
    await page.getByRole('combobox', { name: 'Search the directory' }).pressSequentially('kunde 7', { delay: 20 });
    await page.getByRole('option', { name: /Kunde 7/ }).click();
    await page.getByTestId('contact-card').getByText('Partner KG').waitFor();

    // The secret is never shown: not in the page, not in the edit form.
    await page.goto('/admin/sources');
    await item.getByRole('button', { name: 'Edit' }).click();
    const editForm = page.getByRole('dialog', { name: 'crm' });
    assert.equal(await editForm.getByLabel('Secret header value (e.g. Bearer …)').inputValue(), '');
    await editForm.getByText('A secret is stored and never shown. Type a new one to replace it.').waitFor();
    assert.equal((await page.content()).includes('s3cret'), false);

    // A broken address: the connection test and the sync give the reason; the contacts stay.
    await editForm.getByLabel('Address', { exact: true }).fill(`${crm.base}/broken`);
    await editForm.getByRole('button', { name: 'Save' }).click();
    await editForm.waitFor({ state: 'hidden' });
    await item.getByRole('button', { name: 'Test connection' }).click();
    await item
      .getByTestId('source-status')
      .filter({ hasText: /^Some input is not valid\. The source could not be read: .*500/ })
      .waitFor();
    await item.getByRole('button', { name: 'Sync now' }).click();
    await item.getByTestId('source-state').filter({ hasText: 'Error' }).waitFor();
    await item.getByTestId('source-error').filter({ hasText: /500/ }).waitFor();
    assert.equal(await item.locator('[data-field="entries"]').textContent(), '8');

    // A file source takes an uploaded CSV; text in a number column is kept and reported by line and column.
    await page.getByRole('button', { name: 'New source' }).click();
    const fileForm = page.getByRole('dialog', { name: 'New source' });
    await fileForm.getByLabel('Name', { exact: true }).fill('phonebook');
    await fileForm.getByLabel('CSV delimiter').selectOption(';');
    await fileForm.getByRole('button', { name: 'Add source' }).click();
    await fileForm.waitFor({ state: 'hidden' });
    const file = page.locator('[data-source="phonebook"]');
    await file.getByLabel('Import file').setInputFiles({
      name: 'phonebook.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${phonebook}\r\nTina Text;Text GmbH;;;abc-not-a-number;0171 5550001`),
    });
    await file
      .getByTestId('source-status')
      .filter({ hasText: 'Imported. Entries: 4, numbers not understood: 1, rows skipped: 1.' })
      .waitFor();
    await file.getByTestId('source-state').filter({ hasText: 'OK' }).waitFor();
    assert.equal(await file.locator('[data-field="invalid"]').textContent(), '1');
    await file.getByText('Last sync report — numbers not understood: 1, rows skipped: 1').click();
    const unread = file.getByRole('row').filter({ has: page.getByRole('cell', { name: 'abc-not-a-number' }) });
    assert.deepEqual((await unread.getByRole('cell').allTextContents()).slice(0, 2), ['6', 'Telefon']);
    await file.getByRole('columnheader', { name: 'Column' }).waitFor();
    await file.getByRole('cell', { name: '4', exact: true }).waitFor();
  });
}
