import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { XmppModule } from '../src/adapters/xmpp/module.js';
import { accountInfo, DiscoModule, serverCaps, serverInfo } from '../src/adapters/xmpp/modules/disco.js';
import { capsVer } from '../src/adapters/xmpp/modules/disco-info.js';
import { pingModule } from '../src/adapters/xmpp/modules/ping.js';
import { PushModule } from '../src/adapters/xmpp/modules/push.js';
import { x } from '../src/adapters/xmpp/xml/element.js';
import { PUSH_LIMITS } from '../src/core/push/model.js';
import { type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const INFO = 'http://jabber.org/protocol/disco#info';
const ITEMS = 'http://jabber.org/protocol/disco#items';

/** A module standing in for the upload service: a feature and an item of the domain. */
const upload: XmppModule = {
  name: 'upload-stand-in',
  features: ['urn:xmpp:http:upload:0'],
  discoItems: (domain) => [{ jid: `upload.${domain}`, name: 'File uploads' }],
};

describe('XMPP disco, ping and push registrations', () => {
  let h: Harness;
  let alice: TestSession;
  const modules = [new DiscoModule(), pingModule, new PushModule(), upload];

  before(async () => {
    h = await startModules(() => modules);
    alice = await h.bind('alice@example.test', 'phone');
  });
  after(() => h.close());

  const get = (to: string | undefined, payload: ReturnType<typeof x>, id = 'q1') =>
    h.request(alice, x('iq', { type: 'get', id, to }, payload));
  const features = (iq: ReturnType<typeof x> | undefined) =>
    iq
      ?.child('query')
      ?.elements('feature')
      .map((f) => f.attrs.var);

  test("the server's domain: identity server/im, every module's features, its items", async () => {
    const info = await get('example.test', x('query', { xmlns: INFO }));
    assert.equal(info?.attrs.type, 'result');
    assert.deepEqual(info?.child('query')?.child('identity')?.attrs, {
      category: 'server',
      type: 'im',
      name: 'Parley',
    });
    assert.deepEqual(features(info), [INFO, ITEMS, 'urn:xmpp:http:upload:0', 'urn:xmpp:ping']);
    const items = await get('example.test', x('query', { xmlns: ITEMS }));
    assert.deepEqual(
      items
        ?.child('query')
        ?.elements('item')
        .map((i) => i.attrs),
      [{ jid: 'upload.example.test', name: 'File uploads' }],
    );
  });

  test('the caps node answers with the same info; another node is item-not-found', async () => {
    const ver = capsVer(serverInfo(modules));
    assert.equal(serverCaps(modules).attrs.ver, ver);
    const node = `urn:parley:server#${ver}`;
    const info = await get('example.test', x('query', { xmlns: INFO, node }));
    assert.equal(info?.child('query')?.attrs.node, node);
    assert.deepEqual(features(info), [INFO, ITEMS, 'urn:xmpp:http:upload:0', 'urn:xmpp:ping']);
    const other = await get('example.test', x('query', { xmlns: INFO, node: 'urn:parley:server#nope' }));
    assert.equal(other?.attrs.type, 'error');
    assert.ok(other?.child('error')?.child('item-not-found'));
  });

  test("the user's own account: identity account/registered and the account features", async () => {
    for (const to of [undefined, 'alice@example.test']) {
      const info = await get(to, x('query', { xmlns: INFO }));
      assert.deepEqual(info?.child('query')?.child('identity')?.attrs, { category: 'account', type: 'registered' });
      assert.deepEqual(features(info), [INFO, 'urn:xmpp:push:0']);
    }
    assert.deepEqual(accountInfo(modules).identities, [{ category: 'account', type: 'registered' }]);
  });

  test('a ping to the server gets an empty result', async () => {
    const r = await get('example.test', x('ping', { xmlns: 'urn:xmpp:ping' }), 'p1');
    assert.equal(r?.toString(), '<iq type="result" id="p1" from="example.test" to="alice@example.test/phone"/>');
  });

  const enable = (node: string, secret?: string) =>
    h.request(
      alice,
      x(
        'iq',
        { type: 'set', id: `e-${node}` },
        x(
          'enable',
          { xmlns: 'urn:xmpp:push:0', jid: 'Push.Example.NET', node },
          secret !== undefined &&
            x(
              'x',
              { xmlns: 'jabber:x:data', type: 'submit' },
              x('field', { var: 'FORM_TYPE' }, x('value', {}, 'http://jabber.org/protocol/pubsub#publish-options')),
              x('field', { var: 'secret' }, x('value', {}, secret)),
            ),
        ),
      ),
    );
  const owner = () => ({ tenantId: alice.tenantId, userId: alice.user.id });

  test('push: enable stores the registration with its publish options, again replaces them, disable removes', async () => {
    assert.equal((await enable('n1', 'a'))?.attrs.type, 'result');
    assert.equal((await enable('n1', 'b'))?.attrs.type, 'result');
    assert.equal((await enable('n2'))?.attrs.type, 'result');
    const list = await h.core.push.list(owner());
    assert.deepEqual(
      list.map((r) => [r.service, r.node, r.options]),
      [
        ['push.example.net', 'n1', { secret: 'b' }],
        ['push.example.net', 'n2', {}],
      ],
    );
    const off = await h.request(
      alice,
      x(
        'iq',
        { type: 'set', id: 'd1' },
        x('disable', { xmlns: 'urn:xmpp:push:0', jid: 'push.example.net', node: 'n1' }),
      ),
    );
    assert.equal(off?.attrs.type, 'result');
    assert.deepEqual(
      (await h.core.push.list(owner())).map((r) => r.node),
      ['n2'],
    );
    await h.request(
      alice,
      x('iq', { type: 'set', id: 'd2' }, x('disable', { xmlns: 'urn:xmpp:push:0', jid: 'push.example.net' })),
    );
    assert.deepEqual(await h.core.push.list(owner()), []);
  });

  test('push: a missing jid or node is bad-request; past the limit is resource-constraint', async () => {
    const bad = await h.request(
      alice,
      x('iq', { type: 'set', id: 'b1' }, x('enable', { xmlns: 'urn:xmpp:push:0', node: 'n' })),
    );
    assert.ok(bad?.child('error')?.child('bad-request'));
    const noNode = await h.request(
      alice,
      x('iq', { type: 'set', id: 'b2' }, x('enable', { xmlns: 'urn:xmpp:push:0', jid: 'push.example.net' })),
    );
    assert.ok(noNode?.child('error')?.child('bad-request'));
    for (let i = 0; i < PUSH_LIMITS.perUser; i++) assert.equal((await enable(`l${i}`))?.attrs.type, 'result');
    const over = await enable('one-more');
    assert.equal(over?.child('error')?.attrs.type, 'wait');
    assert.ok(over?.child('error')?.child('resource-constraint'));
    // Registering an existing node again is no new registration.
    assert.equal((await enable('l0', 'x'))?.attrs.type, 'result');
    assert.equal((await h.core.push.list(owner())).length, PUSH_LIMITS.perUser);
  });
});
