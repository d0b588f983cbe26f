// Federation trust in the administration (issue 15): an admin lists a partner as trusted, changes
// its level in place, sets the default, removes it, and checks a domain step by step — the failed
// step said in words; the API agrees at each step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDnsResponder } from '../../../server/test/support/dns-responder.js';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('an admin sets, changes and removes a domain trust and the default, and checks a domain', async (t) => {
    const dns = await startDnsResponder(new Map());
    t.after(() => dns.close());
    const server = await startWebServer({ PARLEY_FEDERATION_DNS_SERVERS: dns.server });
    t.after(() => server.dispose());
    const { api } = await server.login('admin');
    const trust = async () => {
      const r = await api.request('admin.federation.get', { query: {} });
      return [r.defaultLevel, ...r.domains.map((d) => `${d.domain}=${d.level}`)];
    };

    const admin = await signedIn(browser(), server.url, 'admin@example.test', server.passwords.admin as string);
    t.after(() => admin.context.close());
    const page = admin.page;
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: /^Federation/ }).click();
    const section = page.getByTestId('federation');
    await section.getByText('No domain listed yet', { exact: false }).waitFor();

    const add = section.getByRole('form', { name: 'Set level' });
    await add.getByLabel('Domain').fill('Partner.test');
    await add.getByLabel('Level').selectOption('trusted');
    await add.getByRole('button', { name: 'Set level' }).click();
    await section.getByTestId('federation-status').filter({ hasText: 'partner.test is now Trusted.' }).waitFor();
    await section.locator('[data-domain="partner.test"]').waitFor();
    assert.deepEqual(await trust(), ['public', 'partner.test=trusted']);

    await section.getByLabel('Level of partner.test').selectOption('business');
    await section.getByTestId('federation-status').filter({ hasText: 'partner.test is now Business.' }).waitFor();
    assert.deepEqual(await trust(), ['public', 'partner.test=business']);

    await section.getByLabel('Level of domains not listed').selectOption('blocked');
    await section.getByRole('button', { name: 'Save default' }).click();
    await section.getByTestId('federation-status').filter({ hasText: 'Domains not listed are now Blocked.' }).waitFor();
    assert.deepEqual(await trust(), ['blocked', 'partner.test=business']);

    // A domain of this server is refused in words.
    await add.getByLabel('Domain').fill('example.test');
    await add.getByRole('button', { name: 'Set level' }).click();
    await section.getByRole('alert').first().waitFor();

    await section.getByRole('button', { name: 'Remove partner.test' }).click();
    await section
      .getByTestId('federation-status')
      .filter({ hasText: 'partner.test has the default level again.' })
      .waitFor();
    assert.deepEqual(await trust(), ['blocked']);

    const check = section.getByRole('form', { name: 'Check federation with a domain' });
    await check.getByLabel('Domain').fill('nowhere.test');
    await check.getByRole('button', { name: 'Check' }).click();
    const result = section.getByTestId('federation-check');
    await result.getByText('Federation with nowhere.test fails at the DNS step.').waitFor();
    await result
      .locator('[data-step="dns"][data-outcome="failed"]')
      .filter({ hasText: 'No SRV record for _xmpp-server._tcp.nowhere.test and no address for nowhere.test.' })
      .waitFor();
    await result.locator('[data-step="ping"][data-outcome="skipped"]').waitFor();
  });
}
