// A SIP call shows live in the web app: alice's contact list shows bob "phone ringing" while his
// desk phone rings and "on the phone" once he answers, and neither once he hangs up. The phones
// are SIP user agents registered with devices bob and alice created in their settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SDP, SipPhone } from '../../../server/test/support/sip-phone.js';
import { browserForFile, signedIn } from '../support/browser.js';
import { requireChromium } from '../support/peer.js';
import { startWebServer } from '../support/server.js';

const skipped = await requireChromium();

if (!skipped) {
  const browser = browserForFile();

  test('a call between two SIP phones shows as ringing, then on the phone, in the web app', async (t) => {
    const server = await startWebServer();
    t.after(() => server.dispose());
    const phone = async (local: string) => {
      const { api } = await server.login(local);
      const created = await api.request('me.devices.create', { body: { name: 'Desk phone' } });
      const p = await SipPhone.open({
        server: { host: '127.0.0.1', port: server.sipPort() },
        aor: `${local}@example.test`,
        username: created.device.username,
        password: created.password,
      });
      t.after(() => p.close());
      assert.equal((await p.register(600)).status, 200);
      return p;
    };
    const alicePhone = await phone('alice');
    const bobPhone = await phone('bob');

    const alice = await signedIn(browser(), server.url, 'alice@example.test', server.passwords.alice as string);
    t.after(() => alice.context.close());
    await alice.page.getByRole('link', { name: 'Contacts' }).click();
    const bob = alice.page.locator('[data-group="colleagues"] [data-contact="bob@example.test"] .presence');
    const bobSays = (text: RegExp) => bob.filter({ hasText: text }).waitFor();
    await bob.waitFor();

    const placed = alicePhone.invite('bob@example.test');
    const ringing = await bobPhone.next('INVITE');
    ringing.reply(180, 'Ringing');
    await bobSays(/phone ringing/);
    ringing.reply(200, 'OK', { headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: SDP(41000) });
    const { dialog } = await placed;
    assert.ok(dialog);
    await bobSays(/on the phone/);
    const bye = alicePhone.sendInDialog(dialog, 'BYE');
    (await bobPhone.next('BYE')).reply(200, 'OK');
    assert.equal((await bye).status, 200);
    await bob.filter({ hasNotText: /on the phone|ringing/ }).waitFor();
  });
}
