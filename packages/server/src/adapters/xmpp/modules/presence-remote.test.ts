import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Jid, parseJid } from '../../../lib/jid.js';
import { x } from '../xml/element.js';
import { REMOTE_PRESENCE_MAX, RemotePresence } from './presence-remote.js';

const jid = (s: string) => parseJid(s) as Jid;
const available = (show?: string) => x('presence', {}, show && x('show', {}, show));
const gone = () => x('presence', { type: 'unavailable' });
const shows = (r: RemotePresence, bare: string) => r.of('t', 'u', bare).map((p) => p.childText('show') ?? 'on');

test('each resource keeps its newest available presence; unavailable from a resource or the bare JID forgets', () => {
  const steps: [string, ReturnType<typeof available>, string[]][] = [
    ['bob@far.test/a', available(), ['on']],
    ['bob@far.test/b', available('dnd'), ['on', 'dnd']],
    ['bob@far.test/a', available('away'), ['away', 'dnd']],
    ['bob@far.test/a', gone(), ['dnd']],
    ['bob@far.test/c', available(), ['dnd', 'on']],
    ['bob@far.test', gone(), []],
  ];
  const r = new RemotePresence();
  for (const [from, stanza, want] of steps) {
    r.received('t', 'u', jid(from), stanza);
    assert.deepEqual(shows(r, 'bob@far.test'), want, `${from} ${stanza.attrs.type ?? 'available'}`);
  }
});

test('contacts, users and tenants are apart; forget drops a user; a full memory takes no new resources', () => {
  const r = new RemotePresence();
  r.received('t', 'u', jid('bob@far.test/a'), available());
  r.received('t', 'u', jid('bobby@far.test/a'), available('xa'));
  r.received('t', 'v', jid('bob@far.test/a'), available('dnd'));
  r.received('s', 'u', jid('bob@far.test/a'), available('away'));
  assert.deepEqual(shows(r, 'bob@far.test'), ['on'], 'not bobby, not v, not tenant s');
  r.forget('t', 'u');
  assert.deepEqual(r.of('t', 'u', 'bob@far.test'), []);
  assert.equal(r.of('t', 'v', 'bob@far.test').length, 1, 'other users keep theirs');

  for (let i = 0; i < REMOTE_PRESENCE_MAX; i++) r.received('t', 'w', jid(`c${i}@far.test/r`), available());
  r.received('t', 'w', jid('late@far.test/r'), available());
  assert.deepEqual(r.of('t', 'w', 'late@far.test'), [], 'beyond the bound: probed instead');
  r.received('t', 'w', jid('c0@far.test/r'), available('away'));
  assert.equal(r.of('t', 'w', 'c0@far.test')[0]?.childText('show'), 'away', 'a known resource is still updated');
});
