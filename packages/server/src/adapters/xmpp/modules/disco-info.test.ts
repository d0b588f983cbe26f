import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capsVer, type DiscoInfo, infoQuery, itemsQuery } from './disco-info.js';

const simple: DiscoInfo = {
  identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
  features: [
    'http://jabber.org/protocol/disco#info',
    'http://jabber.org/protocol/disco#items',
    'http://jabber.org/protocol/muc',
    'http://jabber.org/protocol/caps',
  ],
  forms: [],
};

test('XEP-0115 §5.2: the simple example', () => {
  assert.equal(capsVer(simple), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
});

test('XEP-0115 §5.3: the complex example (two languages, an extended info form)', () => {
  const complex: DiscoInfo = {
    identities: [
      { category: 'client', type: 'pc', lang: 'en', name: 'Psi 0.11' },
      { category: 'client', type: 'pc', lang: 'el', name: 'Ψ 0.11' },
    ],
    features: simple.features,
    forms: [
      {
        formType: 'urn:xmpp:dataforms:softwareinfo',
        fields: [
          { var: 'os', values: ['Mac'] },
          { var: 'ip_version', values: ['ipv6', 'ipv4'] },
          { var: 'software_version', values: ['0.11'] },
          { var: 'os_version', values: ['10.5.1'] },
          { var: 'software', values: ['Psi'] },
        ],
      },
    ],
  };
  assert.equal(capsVer(complex), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
});

test('order of identities and features does not change the string; a feature more does', () => {
  const shuffled = { ...simple, features: [...simple.features].reverse() };
  assert.equal(capsVer(shuffled), capsVer(simple));
  assert.notEqual(capsVer({ ...simple, features: [...simple.features, 'urn:xmpp:ping'] }), capsVer(simple));
});

test('disco#info and disco#items render as XEP-0030 §3 shows them', () => {
  assert.equal(
    infoQuery(
      {
        identities: [{ category: 'server', type: 'im', name: 'Parley' }],
        features: ['urn:xmpp:ping', 'http://jabber.org/protocol/disco#info', 'urn:xmpp:ping'],
        forms: [{ formType: 'urn:x', fields: [{ var: 'a', values: ['1', '2'] }] }],
      },
      'n#v',
    ).toString(),
    '<query xmlns="http://jabber.org/protocol/disco#info" node="n#v"><identity category="server" type="im" name="Parley"/>' +
      '<feature var="http://jabber.org/protocol/disco#info"/><feature var="urn:xmpp:ping"/>' +
      '<x xmlns="jabber:x:data" type="result"><field var="FORM_TYPE" type="hidden"><value>urn:x</value></field>' +
      '<field var="a"><value>1</value><value>2</value></field></x></query>',
  );
  assert.equal(
    itemsQuery([{ jid: 'conference.a.test', name: 'Group chats' }]).toString(),
    '<query xmlns="http://jabber.org/protocol/disco#items"><item jid="conference.a.test" name="Group chats"/></query>',
  );
});
