import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NS } from '../src/adapters/xmpp/modules/chat-stanzas.js';
import { MamModule } from '../src/adapters/xmpp/modules/mam.js';
import { DATA_NS, MAM_NS, RSM_NS } from '../src/adapters/xmpp/modules/mam-query.js';
import { type XmlElement, x } from '../src/adapters/xmpp/xml/element.js';
import { type Person, startWithPeople } from './support/people.js';
import type { TestServer } from './support/server.js';
import { type Harness, startModules, type TestSession } from './support/xmpp-modules.js';

const field = (name: string, value: string) => x('field', { var: name }, x('value', {}, value));

/** A MAM query: form fields and RSM children. */
const query = (id: string, fields: Record<string, string>, ...rsm: XmlElement[]) =>
  x(
    'iq',
    { type: 'set', id },
    x(
      'query',
      { xmlns: MAM_NS, queryid: id },
      x(
        'x',
        { xmlns: DATA_NS, type: 'submit' },
        field('FORM_TYPE', MAM_NS),
        ...Object.entries(fields).map(([k, v]) => field(k, v)),
      ),
      rsm.length > 0 && x('set', { xmlns: RSM_NS }, ...rsm),
    ),
  );

describe('XMPP MAM over the core history', () => {
  let t: TestServer;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  let h: Harness;
  let gajim: TestSession;
  /** Texts in the order they were sent. */
  const sent: { id: string; text: string }[] = [];

  before(async () => {
    ({ t, alice, bob, carol } = await startWithPeople());
    h = await startModules(() => [new MamModule()], undefined, { core: t.core });
    gajim = await h.bind('alice@example.test', 'gajim');
    const withBob = await alice.api.request('conversations.create', { body: { members: ['bob@example.test'] } });
    const withCarol = await alice.api.request('conversations.create', { body: { members: ['carol@example.test'] } });
    for (const [i, [who, c]] of (
      [
        [alice, withBob],
        [bob, withBob],
        [carol, withCarol],
        [alice, withBob],
        [alice, withCarol],
        [bob, withBob],
      ] as const
    ).entries()) {
      const m = await who.api.request('messages.send', {
        params: { id: c.id },
        body: { text: `m${i}`, clientId: `k${i}` },
      });
      sent.push({ id: m.id, text: m.text });
    }
    const gone = sent[3] as { id: string };
    await alice.api.request('messages.delete', { params: { id: withBob.id, messageId: gone.id } });
  });
  after(async () => {
    await h.close();
    await t.stop();
  });

  /** Runs a query: the forwarded messages it returned and its `<fin/>`. */
  async function run(iq: XmlElement) {
    const error = await h.send(gajim, iq);
    assert.equal(error, undefined, String(error));
    const result = await gajim.next((s) => s.name === 'iq' && s.attrs.id === iq.attrs.id);
    const results = gajim.sent.splice(0).filter((s) => s.child('result', MAM_NS)?.attrs.queryid === iq.attrs.id);
    const fin = result.child('fin', MAM_NS) as XmlElement;
    return { results, fin, ids: results.map((r) => r.child('result', MAM_NS)?.attrs.id) };
  }

  test('pages through the whole archive forwards with RSM after, and says when it is complete', async () => {
    const first = await run(query('q1', {}, x('max', {}, '4')));
    assert.equal(first.ids.length, 4);
    assert.equal(first.fin.attrs.complete, undefined);
    const last = first.fin.child('set', RSM_NS)?.childText('last') as string;
    assert.equal(last, first.ids[3]);
    const second = await run(query('q2', {}, x('max', {}, '4'), x('after', {}, last)));
    assert.equal(second.ids.length, 2);
    assert.equal(second.fin.attrs.complete, 'true');
    assert.deepEqual([...first.ids, ...second.ids].sort(), sent.map((m) => m.id).sort());
    assert.equal(new Set([...first.ids, ...second.ids]).size, 6);
  });

  test('an empty <before/> is the newest page; before an id pages backwards', async () => {
    const newest = await run(query('q3', {}, x('max', {}, '2'), x('before')));
    const all = await run(query('q4', {}));
    assert.deepEqual(newest.ids, all.ids.slice(-2));
    assert.equal(newest.fin.attrs.complete, undefined);
    const older = await run(query('q5', {}, x('max', {}, '10'), x('before', {}, newest.ids[0] as string)));
    assert.deepEqual(older.ids, all.ids.slice(0, -2));
    assert.equal(older.fin.attrs.complete, 'true');
  });

  test('forwarded messages carry the delay, the addresses and the ids; a retraction is a tombstone', async () => {
    const { results } = await run(query('q6', { with: 'bob@example.test' }));
    assert.equal(results.length, 4);
    const byText = (text: string) =>
      results
        .map((r) => r.child('result', MAM_NS)?.child('forwarded', NS.forward))
        .find((f) => f?.child('message')?.childText('body') === text);
    const fromBob = byText('m1');
    assert.match(fromBob?.child('delay', NS.delay)?.attrs.stamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const inner = fromBob?.child('message');
    assert.equal(inner?.attrs.xmlns, 'jabber:client');
    assert.equal(inner?.attrs.from, 'bob@example.test');
    assert.equal(inner?.attrs.to, 'alice@example.test');
    assert.equal(inner?.attrs.id, 'k1');
    assert.equal(inner?.child('stanza-id', NS.sid)?.attrs.id, sent[1]?.id);
    const tombstone = results
      .map((r) => r.child('result', MAM_NS)?.child('forwarded')?.child('message'))
      .find((m) => m?.attrs.id === 'k3');
    assert.ok(tombstone?.child('retracted', NS.retract));
    assert.equal(tombstone?.child('body'), undefined);
  });

  test('with filters by the other user; no one, another tenant or the future is an empty, complete page', async () => {
    const carolOnly = await run(query('q7', { with: 'carol@example.test' }));
    assert.deepEqual(carolOnly.ids.sort(), [sent[2]?.id, sent[4]?.id].sort());
    for (const [id, fields] of [
      ['q8', { with: 'nobody@example.test' }],
      ['q9', { with: 'mallory@other.test' }],
      ['q10', { start: '2999-01-01T00:00:00Z' }],
    ] as const) {
      const empty = await run(query(id, fields));
      assert.deepEqual(empty.ids, [], id);
      assert.equal(empty.fin.attrs.complete, 'true');
    }
  });

  test('bad queries are refused: unknown ids, unknown fields, bad dates', async () => {
    const condition = (reply: XmlElement | undefined) => reply?.child('error')?.elements()[0]?.name;
    assert.equal(condition(await h.send(gajim, query('b1', {}, x('after', {}, 'no-such-id')))), 'item-not-found');
    assert.equal(condition(await h.send(gajim, query('b2', { colour: 'blue' }))), 'bad-request');
    assert.equal(condition(await h.send(gajim, query('b3', { start: 'yesterday' }))), 'bad-request');
    // Bob's other 1:1 is not Alice's to page through.
    const bobCarol = await bob.api.request('conversations.create', { body: { members: ['carol@example.test'] } });
    const secret = await bob.api.request('messages.send', {
      params: { id: bobCarol.id },
      body: { text: 'secret', clientId: 's' },
    });
    assert.equal(condition(await h.send(gajim, query('b4', {}, x('after', {}, secret.id)))), 'item-not-found');
    const all = await run(query('b5', {}));
    assert.equal(all.ids.includes(secret.id), false);
  });

  test('a get of the query is the form of its fields', async () => {
    await h.send(gajim, x('iq', { type: 'get', id: 'f1' }, x('query', { xmlns: MAM_NS })));
    const form = await gajim.next((s) => s.attrs.id === 'f1');
    const vars = form
      .child('query', MAM_NS)
      ?.child('x', DATA_NS)
      ?.elements('field')
      .map((f) => f.attrs.var);
    assert.deepEqual(vars, ['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id']);
  });
});
