import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Binding } from '../../../core/registrations/model.js';
import { parseNameAddr } from '../message/index.js';
import { applyRegister, type RegisterChange, RegisterRefused } from './bindings.js';

const limits = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 3 };
const now = 1_000_000;
const contact = (value: string) => parseNameAddr(value, 1000);
const change = (o: Partial<RegisterChange> & { contacts?: string[] }): RegisterChange => ({
  contact: o.contact ?? (o.contacts ?? ['<sip:alice@192.0.2.1:5060>']).map(contact),
  expires: o.expires,
  callId: o.callId ?? 'c1',
  cseq: o.cseq ?? 1,
  deviceId: o.deviceId ?? 'd1',
  userId: 'u1',
  node: 'n1',
  flow: { id: 'udp|1', transport: 'UDP', address: '192.0.2.1', port: 5060 },
  now,
});
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RegisterRefused) return `${err.refusal.status} ${err.refusal.reason}`;
    throw err;
  }
  return 'accepted';
};
const seconds = (b: Binding[]) => b.map((x) => `${x.contact} ${(x.expiresAt - now) / 1000}`);

describe('registrar bindings (RFC 3261 §10.3)', () => {
  test('expiry: the contact parameter, else the Expires header, else the default; clamped to the maximum', () => {
    const rows: [Partial<RegisterChange> & { contacts?: string[] }, string[]][] = [
      [{}, ['sip:alice@192.0.2.1:5060 1800']],
      [{ expires: 120 }, ['sip:alice@192.0.2.1:5060 120']],
      [{ expires: 120, contacts: ['<sip:alice@192.0.2.1:5060>;expires=300'] }, ['sip:alice@192.0.2.1:5060 300']],
      [{ expires: 99_999 }, ['sip:alice@192.0.2.1:5060 3600']],
    ];
    for (const [given, expected] of rows) assert.deepEqual(seconds(applyRegister([], change(given), limits)), expected);
  });

  test('refusals: too brief (423), * without Expires 0 (400), too many contacts (403), out of order (500)', () => {
    const one = applyRegister([], change({ cseq: 5 }), limits);
    const rows: [() => unknown, string][] = [
      [() => applyRegister([], change({ expires: 30 }), limits), '423 Interval Too Brief'],
      [
        () => applyRegister(one, change({ contact: '*', expires: 60 }), limits),
        '400 Bad Request (Contact * needs Expires: 0)',
      ],
      [
        () => applyRegister([], change({ contacts: ['<sip:a@h1>', '<sip:a@h2>', '<sip:a@h3>', '<sip:a@h4>'] }), limits),
        '403 Forbidden (more than 3 contacts)',
      ],
      [() => applyRegister(one, change({ cseq: 5 }), limits), '500 Server Internal Error (REGISTER out of order)'],
      [() => applyRegister(one, change({ cseq: 6 }), limits), 'accepted'],
      [() => applyRegister(one, change({ cseq: 1, callId: 'other' }), limits), 'accepted'],
      [() => applyRegister([], change({ expires: 0 }), limits), 'accepted'],
    ];
    for (const [fn, expected] of rows) assert.equal(refusal(fn), expected);
  });

  test('adds, refreshes and removes one contact; * with Expires 0 removes all; other devices stay', () => {
    const other = applyRegister(
      [],
      change({ deviceId: 'd2', callId: 'c2', contacts: ['<sip:alice@192.0.2.9>'] }),
      limits,
    );
    const both = applyRegister(other, change({}), limits);
    assert.equal(both.length, 2);
    const refreshed = applyRegister(both, change({ cseq: 2, expires: 600 }), limits);
    assert.deepEqual(seconds(refreshed).sort(), ['sip:alice@192.0.2.1:5060 600', 'sip:alice@192.0.2.9 1800']);
    const removed = applyRegister(refreshed, change({ cseq: 3, expires: 0 }), limits);
    assert.deepEqual(
      removed.map((b) => b.deviceId),
      ['d2'],
    );
    assert.deepEqual(applyRegister(refreshed, change({ cseq: 3, contact: '*', expires: 0 }), limits), []);
  });

  test('RFC 5626: the same instance and reg-id replace their binding whatever the contact', () => {
    const first = applyRegister(
      [],
      change({ contacts: ['<sip:alice@192.0.2.1:5060>;+sip.instance="<urn:uuid:1>";reg-id=1'] }),
      limits,
    );
    const moved = applyRegister(
      first,
      change({ cseq: 2, contacts: ['<sip:alice@198.51.100.7:6000>;+sip.instance="<urn:uuid:1>";reg-id=1'] }),
      limits,
    );
    assert.deepEqual(
      moved.map((b) => [b.contact, b.instance, b.regId]),
      [['sip:alice@198.51.100.7:6000', '"<urn:uuid:1>"', 1]],
    );
  });
});
