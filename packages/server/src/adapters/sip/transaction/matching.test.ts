import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cancelTargetKey, clientKey, hasCookie, matchesInvite, serverKey } from './matching.js';
import { ack, request, response } from './test-messages.js';

describe('transaction matching (RFC 3261 §17.1.3, §17.2.3)', () => {
  const invite = request();

  test('client side: a response matches by top Via branch and CSeq method', () => {
    assert.equal(clientKey(response(invite, 180)), clientKey(invite));
    const cancel = request({ method: 'CANCEL' });
    assert.notEqual(clientKey(response(cancel, 200)), clientKey(invite), 'same branch, CSeq CANCEL');
    assert.notEqual(clientKey(response(request({ branch: 'z9hG4bKother' }), 200)), clientKey(invite));
  });

  describe('server side with the magic cookie', () => {
    test('branch, sent-by and method make the key; the rest of the request does not', () => {
      assert.ok(hasCookie(invite));
      assert.equal(serverKey(request({ uri: 'sip:other@example.test', fromTag: 'x', seq: 9 })), serverKey(invite));
      assert.notEqual(serverKey(request({ branch: 'z9hG4bKother' })), serverKey(invite));
      assert.notEqual(serverKey(request({ port: 5070 })), serverKey(invite), 'another sent-by');
      assert.notEqual(serverKey(request({ method: 'OPTIONS' })), serverKey(invite));
    });

    test('sent-by host compares case-insensitively', () => {
      assert.equal(serverKey(request({ host: 'ALICE-PC.example.test' })), serverKey(invite));
    });

    test('the ACK of a non-2xx (same branch) matches the INVITE; the ACK of a 2xx (new branch) does not', () => {
      assert.equal(serverKey(ack(invite, response(invite, 486))), serverKey(invite));
      assert.notEqual(serverKey(ack(invite, response(invite, 200), 'z9hG4bKack2xx')), serverKey(invite));
    });

    test('a CANCEL has its own key and finds the INVITE it cancels', () => {
      const cancel = request({ method: 'CANCEL' });
      assert.notEqual(serverKey(cancel), serverKey(invite));
      assert.equal(cancelTargetKey(cancel), serverKey(invite));
      assert.ok(matchesInvite(invite, undefined, cancel));
    });
  });

  describe('RFC 2543 fallback (branch without the cookie)', () => {
    const old = request({ branch: '1a2b3c' });

    test('Request-URI, From tag, Call-ID, CSeq and top Via make the key', () => {
      assert.equal(hasCookie(old), false);
      assert.equal(serverKey(request({ branch: '1a2b3c' })), serverKey(old));
      for (const change of [
        { uri: 'sip:carol@example.test' },
        { fromTag: 'other' },
        { callId: 'other@x' },
        { seq: 2 },
        { port: 5070 },
        { transport: 'TCP' },
        { branch: 'zzz' },
      ]) {
        assert.notEqual(serverKey(request({ branch: '1a2b3c', ...change })), serverKey(old), JSON.stringify(change));
      }
    });

    test('a request without any branch uses the fallback too', () => {
      const bare = request({ branch: '' });
      assert.equal(hasCookie(bare), false);
      assert.notEqual(serverKey(bare), serverKey(old));
    });

    test('the To tag counts for non-INVITE requests', () => {
      const bye = request({ method: 'BYE', branch: '1a2b3c', toTag: 'a' });
      assert.notEqual(serverKey(request({ method: 'BYE', branch: '1a2b3c', toTag: 'b' })), serverKey(bye));
    });

    test('an ACK matches the INVITE when it carries the To tag of the response sent', () => {
      const sent = response(old, 486, 'resp-tag');
      const goodAck = ack(old, sent);
      assert.equal(serverKey(goodAck), serverKey(old));
      assert.ok(matchesInvite(old, sent, goodAck));
      assert.equal(matchesInvite(old, sent, ack(old, response(old, 486, 'another'))), false);
      assert.equal(matchesInvite(old, undefined, goodAck), false, 'nothing sent with a tag yet');
    });

    test('a CANCEL matches the INVITE with the same To tag', () => {
      const cancel = request({ method: 'CANCEL', branch: '1a2b3c' });
      assert.equal(cancelTargetKey(cancel), serverKey(old));
      assert.ok(matchesInvite(old, undefined, cancel));
      assert.equal(matchesInvite(old, undefined, request({ method: 'CANCEL', branch: '1a2b3c', toTag: 'x' })), false);
    });
  });

  test('a message without Via is refused with a clear error', () => {
    assert.throws(() => serverKey({ ...invite, via: [] }), /without a Via/);
  });
});
