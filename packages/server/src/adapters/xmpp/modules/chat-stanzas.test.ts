import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageDetails } from '../../../core/messaging/model.js';
import { x } from '../xml/element.js';
import {
  type ChatInput,
  carbon,
  chatMessage,
  correction,
  NS,
  parseChat,
  reactionsOf,
  retraction,
  stamp,
} from './chat-stanzas.js';

const msg = (...children: Parameters<typeof x>[2][]) => x('message', { type: 'chat', id: 'st-1' }, ...children);

test('a client message: what it asks of the core', () => {
  const cases: [string, ReturnType<typeof x>, Partial<ChatInput>][] = [
    ['body, stanza id as key', msg(x('body', {}, 'hi')), { body: 'hi', clientId: 'st-1', chatState: undefined }],
    ['origin-id wins', msg(x('body', {}, 'hi'), x('origin-id', { xmlns: NS.sid, id: 'o' })), { clientId: 'o' }],
    ['chat state', msg(x('composing', { xmlns: NS.chatStates })), { chatState: 'composing', body: undefined }],
    ['state in another namespace is none', msg(x('composing', { xmlns: 'urn:other' })), { chatState: undefined }],
    ['XEP-0184 received', msg(x('received', { xmlns: NS.receipts, id: 'r' })), { received: 'r' }],
    ['XEP-0333 received', msg(x('received', { xmlns: NS.markers, id: 'r2' })), { received: 'r2' }],
    ['displayed', msg(x('displayed', { xmlns: NS.markers, id: 'd' })), { displayed: 'd' }],
    ['acknowledged counts as read', msg(x('acknowledged', { xmlns: NS.markers, id: 'a' })), { displayed: 'a' }],
    ['correction', msg(x('body', {}, 'new'), x('replace', { xmlns: NS.correct, id: 'old' })), { replace: 'old' }],
    ['retraction', msg(x('retract', { xmlns: NS.retract, id: 'gone' })), { retract: 'gone' }],
    [
      'XEP-0066 file URL',
      msg(x('body', {}, 'https://h/f'), x('x', { xmlns: NS.oob }, x('url', {}, ' https://h/f '))),
      { oob: 'https://h/f', body: 'https://h/f' },
    ],
    ['no file URL', msg(x('body', {}, 'hi')), { oob: undefined }],
    [
      'reactions, blanks and repeats dropped',
      msg(
        x(
          'reactions',
          { xmlns: NS.reactions, id: 'm' },
          x('reaction', {}, '👍'),
          x('reaction', {}, ' '),
          x('reaction', {}, '👍'),
          x('reaction', {}, '🎉'),
        ),
      ),
      { reactions: { id: 'm', emojis: ['👍', '🎉'] } },
    ],
    ['reactions without id are none', msg(x('reactions', { xmlns: NS.reactions })), { reactions: undefined }],
    [
      'reply with its fallback cut (code points)',
      msg(
        x('body', {}, '> 🍕?\nyes'),
        x('reply', { xmlns: NS.reply, id: 'q' }),
        x('fallback', { xmlns: NS.fallback, for: NS.reply }, x('body', { start: '0', end: '5' })),
      ),
      { replyTo: 'q', body: 'yes' },
    ],
    [
      'a fallback out of range leaves the body',
      msg(
        x('body', {}, 'short'),
        x('fallback', { xmlns: NS.fallback, for: NS.reply }, x('body', { start: '0', end: '99' })),
      ),
      { body: 'short' },
    ],
    ['private', msg(x('private', { xmlns: NS.carbons })), { noCarbons: true }],
    ['no-copy', msg(x('no-copy', { xmlns: NS.hints })), { noCarbons: true }],
    ['neither', msg(x('body', {}, 'x')), { noCarbons: false }],
  ];
  for (const [name, stanza, want] of cases) {
    const got = parseChat(stanza);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof ChatInput], v, `${name}: ${k}`);
  }
});

const details = (patch: Partial<MessageDetails> = {}): MessageDetails => ({
  id: 'core-1',
  tenantId: 't',
  conversationId: 'c',
  seq: 1,
  senderId: 'u1',
  externalSender: null,
  clientId: 'k1',
  text: 'hello <world>',
  replyTo: null,
  createdAt: Date.UTC(2026, 0, 1),
  editedAt: null,
  deletedAt: null,
  sender: 'a@example.test',
  reactions: [],
  attachments: [],
  ...patch,
});

test('a core message as a stanza: ids, reply, files, tombstone', () => {
  const r = { from: 'a@example.test', to: 'b@example.test/x', by: 'b@example.test', request: true };
  assert.equal(
    String(chatMessage(details(), r)),
    '<message from="a@example.test" to="b@example.test/x" type="chat" id="k1"><body>hello &lt;world&gt;</body>' +
      `<stanza-id xmlns="${NS.sid}" id="core-1" by="b@example.test"/><origin-id xmlns="${NS.sid}" id="k1"/>` +
      `<request xmlns="${NS.receipts}"/><markable xmlns="${NS.markers}"/></message>`,
  );
  const file = {
    id: 'f',
    tenantId: 't',
    conversationId: 'c',
    messageId: 'core-1',
    uploaderId: 'u1',
    name: 'plan.pdf',
    contentType: 'application/pdf',
    size: 1,
    sha256: '',
    createdAt: 0,
  };
  const link = 'https://p.example.test/files/t/a1/k/plan.pdf';
  const withFile = chatMessage(
    details({ text: '', attachments: [file] }),
    { ...r, request: false, replyTo: { id: 'k0', to: 'b@example.test' } },
    [link],
  );
  // One file and no text: the body is exactly the link, as XEP-0066 data too (clients show the file).
  assert.equal(withFile.childText('body'), link);
  assert.equal(withFile.child('x', NS.oob)?.childText('url'), link);
  const twoFiles = chatMessage(details({ text: 'see', attachments: [file, file] }), r, [link, `${link}2`]);
  assert.equal(twoFiles.childText('body'), `see\n${link}\n${link}2`);
  assert.equal(twoFiles.child('x', NS.oob)?.childText('url'), link);
  assert.equal(chatMessage(details(), r).child('x', NS.oob), undefined);
  assert.equal(withFile.child('reply', NS.reply)?.attrs.id, 'k0');
  assert.equal(withFile.child('request', NS.receipts), undefined);
  const gone = chatMessage(details({ text: '', deletedAt: Date.UTC(2026, 0, 2) }), r);
  assert.equal(gone.child('body'), undefined);
  assert.equal(gone.child('retracted', NS.retract)?.attrs.stamp, '2026-01-02T00:00:00Z');
});

test('a carbon forwards the stanza in the client namespace', () => {
  const inner = x('message', { type: 'chat', from: 'a@d/1', to: 'b@d' }, x('body', {}, 'x'));
  assert.equal(
    String(carbon('sent', inner, 'a@d', 'a@d/2')),
    `<message from="a@d" to="a@d/2" type="chat"><sent xmlns="${NS.carbons}"><forwarded xmlns="${NS.forward}">` +
      '<message type="chat" from="a@d/1" to="b@d" xmlns="jabber:client"><body>x</body></message></forwarded></sent></message>',
  );
  assert.equal(stamp(Date.UTC(2026, 4, 6, 7, 8, 9, 999)), '2026-05-06T07:08:09Z');
});

test('changes in a room: groupchat, retractions and reactions by the room stanza-id, corrections by client key', () => {
  const m = details({ editedAt: 5, reactions: [{ emoji: '👍', userIds: ['u2'] }] });
  const cases: [string, ReturnType<typeof x>, string, string][] = [
    ['correction', correction(m, { from: 'r@c/A', to: 'b@d/1', groupchat: true }), 'replace', 'k1'],
    ['retraction', retraction(m, { from: 'r@c/A', to: 'b@d/1', groupchat: true }), 'retract', 'core-1'],
    ['reactions', reactionsOf(m, 'u2', { from: 'r@c/B', to: 'b@d/1', groupchat: true }), 'reactions', 'core-1'],
    ['1:1 retraction', retraction(m, { from: 'a@d', to: 'b@d/1' }), 'retract', 'k1'],
    ['1:1 reactions', reactionsOf(m, 'u2', { from: 'a@d', to: 'b@d/1' }), 'reactions', 'k1'],
  ];
  for (const [name, stanza, child, ref] of cases) {
    assert.equal(stanza.attrs.type, name.startsWith('1:1') ? 'chat' : 'groupchat', name);
    assert.equal(stanza.elements().find((e) => e.name === child)?.attrs.id, ref, name);
  }
});
