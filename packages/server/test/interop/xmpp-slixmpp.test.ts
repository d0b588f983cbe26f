// Parley against an XMPP client nobody on this team wrote: slixmpp (Debian's python3-slixmpp),
// running in a network namespace and verifying Parley's certificate for parley.test against the
// run's CA. It signs in with SCRAM over STARTTLS, gets the roster, sees a web-app colleague's
// phone call as presence, chats both ways with the web app, resumes its stream after losing the
// connection (XEP-0198), pages MAM, joins a group as a MUC,
// creates a room, configures it and invites a colleague, whom the web app then shows in the group,
// and uploads a file over XEP-0363 that it then sends to the web app. With a second slixmpp, it
// publishes and reads personal eventing nodes (XEP-0163) as OMEMO and bookmarks use them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requirePeer } from '../support/interop.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { probeSlixmpp, type SlixmppClient, startSlixmpp } from './support/xmpp-client.js';
import { createXmppNet, probeXmppPeers, type XmppNet } from './support/xmpp-peers.js';

const skip = await requirePeer('slixmpp and a network namespace', async () => {
  await probeXmppPeers([]);
  await probeSlixmpp();
});

// Skipped only when slixmpp or root for namespaces is missing (the reason says which); PARLEY_REQUIRE_INTEROP=1 fails instead.
describe('slixmpp against Parley', { skip }, () => {
  let net: XmppNet;
  let server: TestServer;
  let slix: SlixmppClient;
  let bob: Awaited<ReturnType<TestServer['user']>>;
  let conversationId: string;
  let port: number;

  before(async () => {
    net = await createXmppNet({ domains: ['parley.test'] });
    const cert = net.certificate('parley.test');
    server = await startTestServer({
      'xmpp.c2s.host': net.hostAddress,
      // The client in the namespace fetches and uploads files (XEP-0363) over the HTTP listener.
      'http.host': net.hostAddress,
      'xmpp.certificates': [{ domain: 'parley.test', cert: cert.certFile, key: cert.keyFile }],
    });
    const alice = await server.user('alice@parley.test');
    bob = await server.user('bob@parley.test');
    // History before the client signs in, for MAM.
    const c = await bob.api.request('conversations.create', { body: { members: ['alice@parley.test'] } });
    conversationId = c.id;
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'archived', clientId: 'a-1' },
    });
    port = server.listeners.find((l) => l.name === 'xmpp-c2s')?.port as number;
    slix = await startSlixmpp(net, { jid: 'alice@parley.test', password: alice.password, host: net.hostAddress, port });
  });

  after(async () => {
    await slix?.stop();
    await server?.stop();
    net?.close();
  });

  test('signs in with SCRAM over verified TLS and gets the colleague in its roster', () => {
    assert.match(slix.ready.mechanism ?? '', /^SCRAM-SHA-/);
    assert.match(slix.ready.jid ?? '', /^alice@parley\.test\//);
    assert.ok(
      slix.ready.roster?.some((i) => i.jid === 'bob@parley.test'),
      JSON.stringify(slix.ready.roster),
    );
  });

  test("a colleague's phone call arrives as dnd with the words for it", async () => {
    const from = slix.events.length;
    await server.core.presence.setLineState(bob.tenantId, bob.userId, 'line-1', 'connected');
    const p = await slix.wait(
      (e) => e.event === 'presence' && e.from === 'bob@parley.test' && e.show === 'dnd',
      from,
      'bob on the phone',
    );
    assert.match(p.status ?? '', /on the phone/);
  });

  test('chats both ways with the web app', async () => {
    const from = slix.events.length;
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'from the web', clientId: 'w-1' },
    });
    const m = await slix.wait((e) => e.event === 'message' && e.body === 'from the web', from, 'the web message');
    assert.equal(m.from?.split('/')[0], 'bob@parley.test');

    await slix.ask({ cmd: 'message', to: 'bob@parley.test', body: 'from slixmpp' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { messages } = await bob.api.request('messages.list', { params: { id: conversationId }, query: {} });
      if (
        messages.some(
          (x: { text: string; sender: string }) => x.text === 'from slixmpp' && x.sender === 'alice@parley.test',
        )
      )
        break;
      assert.ok(Date.now() < deadline, 'the slixmpp message never reached the web app');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('MAM holds the history of the conversation', async () => {
    const result = await slix.ask({ cmd: 'mam', with: 'bob@parley.test' });
    const bodies = (result.messages ?? []).map((m) => m.body);
    assert.ok(bodies.includes('archived'), JSON.stringify(bodies));
  });

  test('uploads a file over XEP-0363 and sends its link: the web app has it as an attachment', async () => {
    const result = await slix.ask({ cmd: 'upload', name: 'notes.txt', content: 'notes from slixmpp' });
    assert.equal(result.status, 201);
    const get = result.get as string;
    assert.ok(get.startsWith(`${server.url}/files/`), get);
    await slix.ask({ cmd: 'message', to: 'bob@parley.test', body: get });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { messages } = await bob.api.request('messages.list', { params: { id: conversationId }, query: {} });
      const file = messages.flatMap((m: { attachments: { name: string; url: string }[] }) => m.attachments)[0];
      if (file) {
        assert.equal(file.name, 'notes.txt');
        const res = await fetch(new URL(file.url, server.url), { headers: { authorization: `Bearer ${bob.token}` } });
        assert.equal(await res.text(), 'notes from slixmpp');
        break;
      }
      assert.ok(Date.now() < deadline, 'the uploaded file never reached the web app');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('joins a group conversation of the web app as a MUC room', async () => {
    const group = await bob.api.request('conversations.create', {
      body: { members: ['alice@parley.test'], name: 'Team', kind: 'group' },
    });
    const result = await slix.ask({ cmd: 'join', room: `${group.id}@conference.parley.test`, nick: 'alice' });
    assert.ok(Number(result.occupants) >= 1, JSON.stringify(result));
  });

  test('creates a room, configures it and invites a colleague: the web app shows the group with both', async () => {
    const room = 'planning@conference.parley.test';
    const joined = await slix.ask({ cmd: 'join', room, nick: 'alice' });
    assert.ok(joined.codes?.includes(201), JSON.stringify(joined));
    const configured = await slix.ask({
      cmd: 'configure',
      room,
      fields: { 'muc#roomconfig_roomname': 'Planning', 'muc#roomconfig_roomdesc': 'Next quarter' },
    });
    assert.ok(configured.fields?.includes('muc#roomconfig_membersonly'), JSON.stringify(configured));
    await slix.ask({ cmd: 'invite', room, to: 'bob@parley.test', reason: 'plans' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { conversations } = await bob.api.request('conversations.list', { query: {} });
      const group = conversations.find((c) => c.name === 'Planning');
      if (group) {
        assert.equal(group.topic, 'Next quarter');
        assert.deepEqual(group.members.map((m) => m.address).sort(), ['alice@parley.test', 'bob@parley.test']);
        break;
      }
      assert.ok(Date.now() < deadline, 'the web app never showed the group');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('personal eventing: an open OMEMO device list another client reads and is told of, private bookmarks', async () => {
    const DEVICES = 'eu.siacs.conversations.axolotl.devicelist';
    const BOOKMARKS = 'urn:xmpp:bookmarks:1';
    const bobClient = await startSlixmpp(net, {
      jid: 'bob@parley.test',
      password: bob.password,
      host: net.hostAddress,
      port,
    });
    try {
      await bobClient.ask({ cmd: 'interest', nodes: [DEVICES] });
      await slix.ask({ cmd: 'interest', nodes: [DEVICES, BOOKMARKS] });
      const list = (...ids: number[]) =>
        `<list xmlns="${DEVICES}">${ids.map((id) => `<device id="${id}"/>`).join('')}</list>`;
      const open = { 'pubsub#access_model': 'open' };
      // Parley asks each client what its caps mean once it sees them; until it knows, it sends
      // no events. Each round publishes a longer list, until bob's client is told of one.
      const deadline = Date.now() + 30_000;
      let told: Awaited<ReturnType<typeof bobClient.wait>> | undefined;
      for (let round = 1; !told; round++) {
        const from = bobClient.events.length;
        const published = await slix.ask({
          cmd: 'publish',
          node: DEVICES,
          itemId: 'current',
          payload: list(round),
          options: open,
        });
        assert.equal(published.itemId, 'current');
        told = await bobClient
          .wait(
            (e) => e.event === 'pep' && e.node === DEVICES && String(e.payload).includes(`id="${round}"`),
            from,
            'the device list event',
          )
          .catch((err: Error) => {
            if (Date.now() > deadline) throw err;
            return undefined;
          });
      }
      assert.equal(told.from, 'alice@parley.test');
      const read = await bobClient.ask({ cmd: 'items', jid: 'alice@parley.test', node: DEVICES });
      const items = read.items as { id: string; payload: string }[];
      assert.equal(items.length, 1);
      assert.match(items[0]?.payload ?? '', /device id="\d+"/);

      const bookmark = `<conference xmlns="${BOOKMARKS}" name="Team" autojoin="true"/>`;
      const mine = {
        'pubsub#persist_items': 'true',
        'pubsub#max_items': 'max',
        'pubsub#send_last_published_item': 'never',
        'pubsub#access_model': 'whitelist',
      };
      const own = slix.events.length;
      await slix.ask({
        cmd: 'publish',
        node: BOOKMARKS,
        itemId: 'team@conference.parley.test',
        payload: bookmark,
        options: mine,
      });
      await slix.wait((e) => e.event === 'pep' && e.node === BOOKMARKS, own, "the owner's own bookmark event");
      const kept = await slix.ask({ cmd: 'items', jid: 'alice@parley.test', node: BOOKMARKS });
      assert.deepEqual(
        (kept.items as { id: string }[]).map((i) => i.id),
        ['team@conference.parley.test'],
      );
      const refused = await bobClient.ask({ cmd: 'items', jid: 'alice@parley.test', node: BOOKMARKS }).then(
        () => 'answered',
        (err: Error) => err.message,
      );
      assert.match(refused, /forbidden/, "bookmarks are the owner's alone");
      const mismatch = await slix
        .ask({ cmd: 'publish', node: BOOKMARKS, itemId: 'x', payload: bookmark, options: { ...mine, ...open } })
        .then(
          () => 'answered',
          (err: Error) => err.message,
        );
      assert.match(mismatch, /conflict precondition-not-met/, 'the options are preconditions once the node exists');

      const gone = bobClient.events.length;
      await slix.ask({ cmd: 'retract', node: DEVICES, itemId: 'current' });
      await bobClient.wait(
        (e) => e.event === 'pep' && e.node === DEVICES && e.retracted === true,
        gone,
        'the retraction',
      );
    } finally {
      await bobClient.stop();
    }
  });

  // Last: slixmpp forgets its own presence when the connection drops (it resets its roster), so its
  // caps updates send no presence after a resumption.
  test('a lost connection is resumed (XEP-0198): what the web app sent meanwhile arrives, once', async () => {
    const from = slix.events.length;
    // The client cuts its connection without closing the stream and connects again at once.
    const dropped = slix.ask({ cmd: 'drop' });
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'while you were away', clientId: 'w-away' },
    });
    assert.equal((await dropped).resumed, true, 'the stream was resumed, not bound anew');
    await slix.wait(
      (e) => e.event === 'message' && e.body === 'while you were away',
      from,
      'the message sent meanwhile',
    );
    // The session is the same one: a message after the resumption arrives too, and nothing twice.
    await bob.api.request('messages.send', {
      params: { id: conversationId },
      body: { text: 'and now', clientId: 'w-now' },
    });
    await slix.wait((e) => e.event === 'message' && e.body === 'and now', from, 'the message after');
    const got = slix.events.slice(from).filter((e) => e.event === 'message' && e.body === 'while you were away');
    assert.equal(got.length, 1, JSON.stringify(got));
    assert.ok(!slix.events.slice(from).some((e) => e.event === 'disconnected'), 'the client never ended');
  });
});
