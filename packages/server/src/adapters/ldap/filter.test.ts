import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FilterParser, SearchRequest } from 'ldapts';
import { attributeKey, type Filter, matches, plan } from './filter.js';
import { readMessage } from './messages.js';

const limits = { maxBytes: 65_536, maxDepth: 32, maxElements: 1000 };

/** A filter string as a client sends it (ldapts encodes, our reader reads). */
function filter(text: string): Filter {
  const bytes = new SearchRequest({ messageId: 1, baseDN: '', filter: FilterParser.parseString(text) }).write();
  const { request } = readMessage(bytes, limits);
  assert.equal(request.type, 'search');
  return (request as { filter: Filter }).filter;
}

const hans = {
  attributes: new Map([
    ['objectclass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson']],
    ['cn', ['Hans Müller']],
    ['sn', ['Müller']],
    ['givenname', ['Hans']],
    ['o', ['Müller  GmbH']],
    ['telephonenumber', ['+49711123456']],
    ['mobile', ['+491701234567']],
  ]),
  numbers: new Map([
    ['telephonenumber', ['+49711123456']],
    ['mobile', ['+491701234567']],
  ]),
  foundBy: new Set(['0711 1234-0', '#07111234']),
};
/** What the directory normalized each number of the filters to. */
const numbers = new Map<string, string | null>([
  ['0711123456', '+49711123456'],
  ['0170 1234567', '+491701234567'],
  ['0711 1234-0', '+4971112340'],
  ['abc', null],
]);

describe('LDAP filters', () => {
  const cases: [string, boolean][] = [
    ['(cn=hans müller)', true],
    ['(cn=Hans*)', true],
    ['(cn=*müller)', true],
    ['(cn=*ns*ll*)', true],
    ['(cn=*ll*ns*)', false],
    ['(cn=H*s*s*)', false],
    ['(o=müller gmbh)', true],
    ['(objectClass=inetOrgPerson)', true],
    ['(objectClass=*)', true],
    ['(mail=*)', false],
    ['(!(mail=*))', true],
    ['(telephoneNumber=0711123456)', true],
    ['(mobile=0711123456)', false],
    ['(|(telephoneNumber=0170 1234567)(mobile=0170 1234567))', true],
    ['(telephoneNumber=0711 1234-0)', true],
    ['(mobile=0711 1234-0)', false],
    ['(telephoneNumber=abc)', false],
    ['(telephoneNumber=+49 711*)', true],
    ['(telephoneNumber=0711 1234*)', true],
    ['(telephoneNumber=0711 9*)', false],
    ['(homePhone=0711 1234*)', false],
    ['(&(sn=Müller)(givenName=Hans))', true],
    ['(&(sn=Müller)(givenName=Anna))', false],
    ['(sn>=M)', true],
    ['(sn<=M)', false],
    ['(cn:caseExactMatch:=Hans Müller)', false],
    ['(!(cn:caseExactMatch:=Hans Müller))', false],
    ['(|(cn:caseExactMatch:=x)(sn=Müller))', true],
  ];
  for (const [text, expected] of cases) {
    test(`${text} ${expected ? 'matches' : 'does not match'}`, () => {
      assert.equal(matches(filter(text), hans, numbers), expected);
    });
  }

  const plans: [string, ReturnType<typeof plan>][] = [
    [
      '(|(telephoneNumber=0711 123)(mobile=0711 123)(homePhone=0711 123))',
      [{ number: '0711 123' }, { number: '0711 123' }, { number: '0711 123' }],
    ],
    [
      '(|(cn=Mü*)(sn=Mü*))',
      [
        { text: 'Mü', infix: false },
        { text: 'Mü', infix: false },
      ],
    ],
    [
      '(&(objectClass=inetOrgPerson)(|(cn=ann*)(sn=ann*)))',
      [
        { text: 'ann', infix: false },
        { text: 'ann', infix: false },
      ],
    ],
    ['(&(cn=ann*)(telephoneNumber=0711))', [{ number: '0711' }]],
    ['(cn=*ller*)', [{ text: 'ller', infix: true }]],
    ['(cn=*meier)', [{ text: 'meier', infix: true }]],
    ['(cn=Ob*meier)', [{ text: 'Ob', infix: false }]],
    ['(cn=*ob*meier*)', [{ text: 'meier', infix: true }]],
    [
      '(|(cn=*x*)(mail=*x*))',
      [
        { text: 'x', infix: true },
        { text: 'x', infix: true },
      ],
    ],
    ['(telephoneNumber=*12 34*)', [{ text: '1234', infix: false }]],
    ['(objectClass=*)', null],
    ['(|(cn=ann*)(objectClass=person))', null],
    ['(!(cn=ann*))', null],
    ['(cn=*)', null],
    ['(title=Chef)', null],
  ];
  for (const [text, expected] of plans) {
    test(`plan ${text}`, () => assert.deepEqual(plan(filter(text)), expected));
  }

  const keys: [string, string][] = [
    ['CN', 'cn'],
    ['commonName;lang-de', 'cn'],
    ['GN', 'givenname'],
    ['telephoneNumber', 'telephonenumber'],
    // Names of Object.prototype are attribute names like any other.
    ['constructor', 'constructor'],
    ['toString', 'tostring'],
  ];
  for (const [name, key] of keys) {
    test(`attributeKey ${name}`, () => {
      assert.equal(attributeKey(name), key);
      assert.equal(attributeKey(name), key, 'again, from the cache');
    });
  }
});
