// SIMPLE over a real server and UDP: a phone (our own minimal UA) subscribes to presence, dialog
// and message-summary, publishes its presence, and gets NOTIFYs as the core's state changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Party } from '../src/core/calls/model.js';
import { startTestServer, type TestServer } from './support/server.js';
import { notifyParts, type SipWatcher as Phone, SipWatcher } from './support/sip-watcher.js';
import { xsdErrors } from './support/xsd.js';

const DOMAIN = 'simple-wire.test';
const BOB = `sip:bob@${DOMAIN}`;

const pidf = (note: string) => `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
  xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${BOB}">
  <tuple id="t1"><status><basic>open</basic></status></tuple>
  <dm:person id="p1"><rpid:activities><rpid:busy/></rpid:activities><dm:note>${note}</dm:note></dm:person>
</presence>`;

describe('SIP SIMPLE: SUBSCRIBE/NOTIFY and PUBLISH over UDP', () => {
  let t: TestServer;
  let tenantId: string;
  const users: Record<string, string> = {};
  const phones: Phone[] = [];

  const phone = async (user: string) => {
    const { device, password } = await t.core.devices.create(tenantId, users[user] as string, {
      name: `${user}'s phone`,
    });
    const sip = t.listeners.find((l) => l.name === 'sip-udp');
    assert.ok(sip);
    const p = await SipWatcher.open(
      { host: '127.0.0.1', port: sip.port },
      { user, domain: DOMAIN, username: device.username, password },
    );
    phones.push(p);
    return p;
  };

  before(async () => {
    t = await startTestServer();
    tenantId = (await t.core.tenants.create({ domain: DOMAIN })).id;
    for (const local of ['alice', 'bob', 'carol']) {
      const { user } = await t.core.users.create(tenantId, {
        local,
        domain: DOMAIN,
        role: 'user',
        password: 'pw-secret-1',
      });
      users[local] = user.id;
    }
    await t.core.presence.watchers.createTeam(tenantId, 'Support', [users.alice as string, users.bob as string]);
    await t.core.presence.watchers.block(tenantId, users.bob as string, `carol@${DOMAIN}`);
  });
  after(async () => {
    for (const p of phones) p.close();
    await t.stop();
  });

  test('presence: 407 first, then 200 with Expires and a PIDF NOTIFY; a manual change sends another', async () => {
    const alice = await phone('alice');
    const { response, dialog } = await alice.subscribe(BOB, 'presence', { expires: 300 });
    assert.equal(response.status, 200);
    assert.equal(response.expires, 300);
    assert.ok(dialog?.remoteTag, 'the 200 carries our To tag');
    const first = notifyParts(await alice.nextNotify(undefined, { dialog }));
    assert.equal(first.event, 'presence');
    assert.match(first.state, /^active;expires=(300|299)$/);
    assert.equal(first.contentType, 'application/pidf+xml');
    assert.deepEqual(await xsdErrors(first.body, 'presence-all.xsd'), []);
    assert.match(first.body, /<basic>closed<\/basic>/);

    const count = alice.notifies.length;
    await t.core.presence.setManual(tenantId, users.bob as string, { availability: 'busy', note: 'Budget review' });
    const next = notifyParts(await alice.nextNotify((n) => /Budget review/.test(n.body.toString()), { after: count }));
    assert.deepEqual(await xsdErrors(next.body, 'presence-all.xsd'), []);
    assert.match(next.body, /<basic>open<\/basic>/);

    const bye = await alice.resubscribe(dialog as NonNullable<typeof dialog>, 0, BOB);
    assert.equal(bye.status, 200);
    const last = notifyParts(await alice.nextNotify((n) => /terminated/.test(notifyParts(n).state), { dialog }));
    assert.equal(last.state, 'terminated;reason=timeout');
    const again = await alice.resubscribe(dialog as NonNullable<typeof dialog>, 300, BOB);
    assert.equal(again.status, 481, 'the subscription is gone');
  });

  test('a blocked watcher sees the user offline, and no note', async () => {
    const carol = await phone('carol');
    const { response, dialog } = await carol.subscribe(BOB, 'presence');
    assert.equal(response.status, 200);
    const seen = notifyParts(await carol.nextNotify(undefined, { dialog }));
    assert.match(seen.body, /<basic>closed<\/basic>/);
    assert.doesNotMatch(seen.body, /Budget review|busy/);
  });

  test('dialog: a call on bob gives his team early, confirmed and terminated full states, versions counting', async () => {
    const alice = await phone('alice');
    const { response, dialog } = await alice.subscribe(BOB, 'dialog');
    assert.equal(response.status, 200);
    const idle = notifyParts(await alice.nextNotify(undefined, { dialog }));
    assert.equal(idle.contentType, 'application/dialog-info+xml');
    assert.deepEqual(await xsdErrors(idle.body, 'dialog-info.xsd'), []);
    assert.match(idle.body, /version="0" state="full"/);

    const caller: Party = { userId: users.alice as string, uri: `sip:alice@${DOMAIN}`, display: 'Alice' };
    const callee: Party = { userId: users.bob as string, deviceId: 'bob-desk' };
    const call = await t.core.calls.originate(tenantId, { from: caller, to: { dialled: 'bob', party: callee } });
    const stateIs = (s: string) => (n: { body: Buffer }) => new RegExp(`>${s}</state>`).test(n.body.toString());
    await t.core.calls.deliver(call.id, callee);
    const early = notifyParts(await alice.nextNotify(stateIs('early'), { dialog }));
    assert.deepEqual(await xsdErrors(early.body, 'dialog-info.xsd'), []);
    assert.match(early.body, /version="1" state="full"/);
    assert.match(early.body, /direction="recipient"/);
    assert.match(early.body, /<remote><identity display="Alice">sip:alice@simple-wire.test<\/identity>/);
    await t.core.calls.establish(call.id, callee);
    const confirmed = notifyParts(await alice.nextNotify(stateIs('confirmed'), { dialog }));
    assert.match(confirmed.body, /version="2"/);
    await t.core.calls.clear(call.id);
    const ended = notifyParts(await alice.nextNotify((n) => /version="3"/.test(n.body.toString()), { dialog }));
    assert.deepEqual(await xsdErrors(ended.body, 'dialog-info.xsd'), []);
    const connection = /<dialog id="([^"]+)"/.exec(early.body)?.[1];
    assert.match(ended.body, new RegExp(`<dialog id="${connection}"[^>]*>\\s*<state>terminated</state>`));
  });

  test('dialog on a line number: a BLF key for 202 follows the calls on bob’s line 202', async () => {
    const line = await t.core.lines.add(tenantId, { number: '202', userId: users.bob as string });
    const alice = await phone('alice');
    const { response, dialog } = await alice.subscribe(`sip:202@${DOMAIN}`, 'dialog');
    assert.equal(response.status, 200);
    const idle = notifyParts(await alice.nextNotify(undefined, { dialog }));
    assert.match(idle.body, new RegExp(`entity="sip:202@${DOMAIN}"`));
    const caller: Party = { userId: users.alice as string, uri: `sip:alice@${DOMAIN}` };
    const callee: Party = { userId: users.bob as string, lineId: line.id, lineNumber: '202', deviceId: 'bob-desk' };
    const call = await t.core.calls.originate(tenantId, { from: caller, to: { dialled: '202', party: callee } });
    await t.core.calls.deliver(call.id, callee);
    const early = notifyParts(await alice.nextNotify((n) => />early<\/state>/.test(n.body.toString()), { dialog }));
    assert.deepEqual(await xsdErrors(early.body, 'dialog-info.xsd'), []);
    await t.core.calls.clear(call.id);
    await alice.nextNotify((n) => />terminated<\/state>/.test(n.body.toString()), { dialog });
  });

  test('PUBLISH: 403 for another address; its own changes the core presence, which a watcher gets', async () => {
    await t.core.presence.clearManual(tenantId, users.bob as string);
    const bob = await phone('bob');
    const alice = await phone('alice');
    assert.equal((await bob.publish(pidf('x'), { uri: `sip:alice@${DOMAIN}` })).status, 403);
    const { dialog } = await alice.subscribe(BOB, 'presence');
    await alice.nextNotify(undefined, { dialog });
    const published = await bob.publish(pidf('At the hotline'));
    assert.equal(published.status, 200);
    const etag = published.headers.find((h) => h.name === 'SIP-ETag')?.value;
    assert.ok(etag);
    const seen = notifyParts(await alice.nextNotify((n) => /At the hotline/.test(n.body.toString()), { dialog }));
    assert.deepEqual(await xsdErrors(seen.body, 'presence-all.xsd'), []);
    const presence = await t.core.presence.get(tenantId, users.bob as string);
    assert.match(presence.note ?? '', /At the hotline/);
    assert.equal((await bob.publish(undefined, { ifMatch: 'no-such-tag' })).status, 412);
    const count = alice.notifies.length;
    const removed = await bob.publish(undefined, { ifMatch: etag, expires: 0 });
    assert.equal(removed.status, 200);
    await alice.nextNotify((n) => !/At the hotline/.test(n.body.toString()), { dialog, after: count });
  });

  test('489 for an unknown event, 404 for an unknown resource (after 407), message-summary says no messages', async () => {
    const alice = await phone('alice');
    assert.equal((await alice.subscribe(BOB, 'conference')).response.status, 489);
    assert.equal((await alice.subscribe(`sip:nobody@${DOMAIN}`, 'presence')).response.status, 404);
    assert.equal((await alice.subscribe(BOB, 'message-summary')).response.status, 403, 'not her mailbox');
    const { response, dialog } = await alice.subscribe(`sip:alice@${DOMAIN}`, 'message-summary');
    assert.equal(response.status, 200);
    const summary = notifyParts(await alice.nextNotify(undefined, { dialog }));
    assert.equal(summary.contentType, 'application/simple-message-summary');
    assert.match(summary.body, /^Messages-Waiting: no\r\nMessage-Account: sip:alice@simple-wire.test\r\n/);
  });

  test('a NOTIFY answered 481 ends the subscription', async () => {
    const alice = await phone('alice');
    const { dialog } = await alice.subscribe(BOB, 'presence');
    await alice.nextNotify(undefined, { dialog });
    alice.notifyStatus = 481;
    const count = alice.notifies.length;
    await t.core.presence.setManual(tenantId, users.bob as string, { availability: 'away', note: 'Lunch' });
    await alice.nextNotify(undefined, { dialog, after: count });
    alice.notifyStatus = 200;
    const refresh = await alice.resubscribe(dialog as NonNullable<typeof dialog>, 300, BOB);
    assert.equal(refresh.status, 481);
  });
});
