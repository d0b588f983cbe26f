import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CstaFailure } from './errors.js';
import { type CstaRequest, decodeRequest, deviceRef, isService } from './requests.js';
import { callServices } from './services.js';
import { editionOf, parseMessage, XmlBodyError } from './xml.js';

const LIMITS = { maxBytes: 65_535, maxDepth: 32, maxElements: 2000 };
const NS = 'http://www.ecma-international.org/standards/ecma-323/csta/ed5';
const fixture = (path: string, values: Record<string, string>) =>
  readFileSync(new URL(`../../../test/fixtures/csta/${path}`, import.meta.url), 'utf8').replace(
    /\{(\w+)\}/g,
    (_, k: string) => values[k] ?? '',
  );

function decode(xml: string): CstaRequest {
  const { root } = parseMessage(xml, LIMITS);
  assert.ok(isService(root.name), root.name);
  return decodeRequest(root as Parameters<typeof decodeRequest>[0]);
}
const doc = (name: string, inner: string) => `<?xml version="1.0"?><${name} xmlns="${NS}">${inner}</${name}>`;
const conn = (name: string, callId: string, device: string) =>
  `<${name}><callID>${callId}</callID><deviceID>${device}</deviceID></${name}>`;

describe('CSTA requests', () => {
  const table: [string, string, CstaRequest][] = [
    [
      'StartApplicationSession (AES SessionLoginInfo in its own namespace)',
      `<StartApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><applicationInfo><applicationID>crm</applicationID><applicationSpecificInfo><ns1:SessionLoginInfo xmlns:ns1="http://www.avaya.com/csta"><ns1:userName>alice@a.test</ns1:userName><ns1:password>p&amp;w</ns1:password></ns1:SessionLoginInfo></applicationSpecificInfo></applicationInfo><requestedProtocolVersions><protocolVersion>http://www.ecma-international.org/standards/ecma-323/csta/ed3</protocolVersion></requestedProtocolVersions><requestedSessionDuration>180</requestedSessionDuration></StartApplicationSession>`,
      {
        service: 'StartApplicationSession',
        applicationId: 'crm',
        userName: 'alice@a.test',
        password: 'p&w',
        protocolVersions: ['http://www.ecma-international.org/standards/ecma-323/csta/ed3'],
        requestedDuration: 180,
      },
    ],
    [
      'StopApplicationSession',
      `<StopApplicationSession xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><sessionID>s1</sessionID><sessionEndReason><appEndReason>bye</appEndReason></sessionEndReason></StopApplicationSession>`,
      { service: 'StopApplicationSession', sessionId: 's1' },
    ],
    [
      'ResetApplicationSessionTimer',
      `<ResetApplicationSessionTimer xmlns="http://www.ecma-international.org/standards/ecma-354/appl_session"><sessionID>s1</sessionID><requestedSessionDuration>60</requestedSessionDuration></ResetApplicationSessionTimer>`,
      { service: 'ResetApplicationSessionTimer', sessionId: 's1', requestedDuration: 60 },
    ],
    [
      'RequestSystemStatus (pidgin-sipe)',
      fixture('uacsta-pidgin-sipe/RequestSystemStatus.xml', { line_uri: 'tel:201' }),
      { service: 'RequestSystemStatus' },
    ],
    [
      'SystemStatus (pyssimist)',
      fixture('pyssimist-CstaPool/SystemStatus.xml', { systemStatus: 'normal' }),
      { service: 'SystemStatus', status: 'normal' },
    ],
    ['SystemRegister (pyssimist)', fixture('pyssimist-CstaPool/SystemRegister.xml', {}), { service: 'SystemRegister' }],
    [
      'GetCSTAFeatures (pidgin-sipe)',
      fixture('uacsta-pidgin-sipe/GetCSTAFeatures.xml', { line_uri: 'tel:201' }),
      { service: 'GetCSTAFeatures' },
    ],
    [
      'SnapshotDevice (pyssimist, prefixed root)',
      fixture('pyssimist-CstaPool/SnapshotDevice.xml', { user: '201' }),
      { service: 'SnapshotDevice', device: '201' },
    ],
    [
      'SnapshotCall',
      doc('SnapshotCall', conn('snapshotObject', 'c1', '201')),
      { service: 'SnapshotCall', call: { callId: 'c1', device: '201' } },
    ],
    [
      'MonitorStart (pyssimist)',
      fixture('pyssimist-CstaPool/MonitorStart.xml', { user: '201' }),
      { service: 'MonitorStart', device: '201' },
    ],
    [
      'MonitorStart (pidgin-sipe tel: URI)',
      fixture('uacsta-pidgin-sipe/MonitorStart.xml', {
        line_uri: 'tel:73124;phone-context=dialstring;partition=BE_BRS_INT',
      }),
      { service: 'MonitorStart', device: '73124' },
    ],
    [
      'MonitorStop (pidgin-sipe)',
      fixture('uacsta-pidgin-sipe/MonitorStop.xml', { monitor_cross_ref_id: '7' }),
      { service: 'MonitorStop', crossRefId: '7' },
    ],
    [
      'MakeCall (pyssimist)',
      fixture('pyssimist-CstaPool/MakeCall.xml', { callingDevice: '201', calledDirectoryNumber: '202' }),
      { service: 'MakeCall', from: '201', to: '202' },
    ],
    [
      'MakeCall (pidgin-sipe)',
      fixture('uacsta-pidgin-sipe/MakeCall.xml', { line_uri: 'tel:201', to_tel_uri: 'tel:+3222220220' }),
      { service: 'MakeCall', from: '201', to: '+3222220220' },
    ],
    [
      'AnswerCall',
      doc('AnswerCall', conn('callToBeAnswered', 'c1', '201')),
      { service: 'AnswerCall', connection: { callId: 'c1', device: '201' } },
    ],
    [
      'ClearConnection (pidgin-sipe)',
      fixture('uacsta-pidgin-sipe/ClearConnection.xml', { call_id: '0_99f261b4', device_id: 'tel:201' }),
      { service: 'ClearConnection', connection: { callId: '0_99f261b4', device: '201' } },
    ],
    [
      'HoldCall',
      doc('HoldCall', conn('callToBeHeld', 'c1', '201')),
      { service: 'HoldCall', connection: { callId: 'c1', device: '201' } },
    ],
    [
      'ClearConnection naming only the device (pyssimist)',
      fixture('pyssimist-CstaPool/ClearConnection.xml', { deviceID: '201', reason: 'normal' }),
      { service: 'ClearConnection', connection: { device: '201' } },
    ],
    [
      'RetrieveCall',
      doc('RetrieveCall', conn('callToBeRetrieved', 'c1', '201')),
      { service: 'RetrieveCall', connection: { callId: 'c1', device: '201' } },
    ],
    ...(['AlternateCall', 'ReconnectCall', 'TransferCall', 'ConferenceCall'] as const).map(
      (service): [string, string, CstaRequest] => [
        service,
        doc(service, conn('heldCall', 'c1', '201') + conn('activeCall', 'c2', '201')),
        { service, held: { callId: 'c1', device: '201' }, active: { callId: 'c2', device: '201' } },
      ],
    ),
    [
      'ConsultationCall',
      doc('ConsultationCall', `${conn('existingCall', 'c1', '201')}<consultedDevice>203</consultedDevice>`),
      { service: 'ConsultationCall', existing: { callId: 'c1', device: '201' }, to: '203' },
    ],
    [
      'SingleStepTransferCall',
      doc(
        'SingleStepTransferCall',
        `${conn('activeCall', 'c1', '201')}<transferredTo>N&lt;+4971112345&gt;;noa=nk</transferredTo>`,
      ),
      { service: 'SingleStepTransferCall', active: { callId: 'c1', device: '201' }, to: '+4971112345' },
    ],
    [
      'DeflectCall',
      doc('DeflectCall', `${conn('callToBeDiverted', 'c1', '201')}<newDestination>204</newDestination>`),
      { service: 'DeflectCall', connection: { callId: 'c1', device: '201' }, to: '204' },
    ],
    [
      'GenerateDigits',
      doc('GenerateDigits', `${conn('connectionToSendDigits', 'c1', '201')}<charactersToSend>12#*</charactersToSend>`),
      { service: 'GenerateDigits', connection: { callId: 'c1', device: '201' }, digits: '12#*' },
    ],
    [
      'DirectedPickupCall',
      doc('DirectedPickupCall', `${conn('callToBePickedUp', 'c1', '202')}<requestingDevice>201</requestingDevice>`),
      { service: 'DirectedPickupCall', call: { callId: 'c1', device: '202' }, into: '201' },
    ],
    [
      'GroupPickupCall',
      doc('GroupPickupCall', '<newDestination>201</newDestination>'),
      { service: 'GroupPickupCall', into: '201' },
    ],
    ['GroupPickupCall without a destination', doc('GroupPickupCall', ''), { service: 'GroupPickupCall', into: null }],
    [
      'CallBack',
      doc('CallBack', conn('callBackConnection', 'c1', '201')),
      { service: 'CallBack', connection: { callId: 'c1', device: '201' } },
    ],
    [
      'CallBackNonCallRelated (ECMA-323 spelling)',
      doc('CallBackNonCallRelated', '<orignatingDevice>201</orignatingDevice><targetDevice>202</targetDevice>'),
      { service: 'CallBackNonCallRelated', from: '201', to: '202' },
    ],
    [
      'CancelCallBack',
      doc('CancelCallBack', '<originatingDevice>201</originatingDevice><targetDevice>202</targetDevice>'),
      { service: 'CancelCallBack', from: '201', to: '202' },
    ],
    [
      'SetForwarding',
      doc(
        'SetForwarding',
        '<device>201</device><forwardingType>forwardBusy</forwardingType><activateForward>true</activateForward><forwardDN>+4930123</forwardDN><ringCount>4</ringCount>',
      ),
      { service: 'SetForwarding', device: '201', type: 'busy', on: true, to: '+4930123', ringCount: 4 },
    ],
    [
      'SetForwarding off (forwardImmediateInt)',
      doc(
        'SetForwarding',
        '<device>201</device><forwardingType>forwardImmediateInt</forwardingType><activateForward>false</activateForward>',
      ),
      { service: 'SetForwarding', device: '201', type: 'immediate', on: false, to: null, ringCount: null },
    ],
    ['GetForwarding', doc('GetForwarding', '<device>201</device>'), { service: 'GetForwarding', device: '201' }],
    [
      'SetDoNotDisturb',
      doc('SetDoNotDisturb', '<device>201</device><doNotDisturbOn>true</doNotDisturbOn>'),
      { service: 'SetDoNotDisturb', device: '201', on: true },
    ],
    [
      'GetDoNotDisturb',
      doc('GetDoNotDisturb', '<device><deviceIdentifier>201</deviceIdentifier></device>'),
      { service: 'GetDoNotDisturb', device: '201' },
    ],
  ];
  for (const [name, xml, expected] of table) test(`decodes ${name}`, () => assert.deepEqual(decode(xml), expected));

  test('every service Parley serves has a decode row', () => {
    const decoded = new Set(table.map(([, , r]) => r.service));
    const session = ['StartApplicationSession', 'StopApplicationSession', 'ResetApplicationSessionTimer'];
    const system = ['RequestSystemStatus', 'SystemStatus', 'SystemRegister', 'GetCSTAFeatures'];
    assert.deepEqual([...decoded].sort(), [...session, ...system, ...Object.keys(callServices)].sort());
  });

  const invalid: [string, string, string][] = [
    [
      'MakeCall without a called number',
      doc('MakeCall', '<callingDevice>201</callingDevice>'),
      'operation/valueOutOfRange',
    ],
    [
      'ClearConnection naming neither call nor device',
      doc('ClearConnection', '<connectionToBeCleared><deviceID/></connectionToBeCleared>'),
      'operation/valueOutOfRange',
    ],
    [
      'SetForwarding of an unknown type',
      doc(
        'SetForwarding',
        '<device>201</device><forwardingType>forwardDND</forwardingType><activateForward>true</activateForward>',
      ),
      'operation/valueOutOfRange',
    ],
    [
      'GenerateDigits with letters',
      doc('GenerateDigits', `${conn('connectionToSendDigits', 'c1', '201')}<charactersToSend>xyz</charactersToSend>`),
      'operation/valueOutOfRange',
    ],
    [
      'a call monitor',
      doc('MonitorStart', '<monitorObject><callObject><callID>c1</callID></callObject></monitorObject>'),
      'operation/invalidObjectType',
    ],
  ];
  for (const [name, xml, error] of invalid) {
    test(`refuses ${name}`, () =>
      assert.throws(
        () => decode(xml),
        (err: unknown) => err instanceof CstaFailure && `${err.error.category}/${err.error.value}` === error,
      ));
  }

  test('device identifiers in the forms applications send', () => {
    const rows: [string, string][] = [
      ['201', '201'],
      [' 201 ', '201'],
      ['N<+4971112345>;noa=nk', '+4971112345'],
      ['N<3021061290002>;noa=nk', '3021061290002'],
      ['tel:+3222220220', '+3222220220'],
      ['tel:73124;phone-context=dialstring', '73124'],
      ['sip:alice@a.test', 'alice@a.test'],
    ];
    for (const [text, ref] of rows) assert.equal(deviceRef(text), ref, text);
  });

  test('the edition comes from the root namespace, prefixed or not; others are not editions', () => {
    assert.equal(
      parseMessage(fixture('pyssimist-CstaPool/SnapshotDevice.xml', { user: '1' }), LIMITS).namespace,
      'http://www.ecma-international.org/standards/ecma-323/csta/ed4',
    );
    assert.equal(parseMessage(doc('MakeCall', ''), LIMITS).namespace, NS);
    assert.equal(
      parseMessage(fixture('pyssimist-CstaPool/SystemRegisterResponse.xml', { sysStatRegisterID: '1' }), LIMITS)
        .namespace,
      null,
    );
    assert.deepEqual(
      [2, 3, 4, 5, 6, 1, 7].map((n) => editionOf(`http://www.ecma-international.org/standards/ecma-323/csta/ed${n}`)),
      [2, 3, 4, 5, 6, undefined, undefined],
    );
    assert.equal(editionOf('http://www.ecma-international.org/standards/ecma-354/appl_session'), undefined);
  });

  const hostile: [string, string, RegExp][] = [
    [
      'an entity bomb',
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><MakeCall xmlns="${NS}">&lol2;</MakeCall>`,
      /DTD/,
    ],
    ['an external entity', `<!DOCTYPE x SYSTEM "file:///etc/passwd"><MakeCall>&x;</MakeCall>`, /DTD/],
    ['an undeclared entity', doc('MakeCall', '<callingDevice>&x;</callingDevice>'), /entity/],
    ['a processing instruction', `<MakeCall><?evil x?></MakeCall>`, /processing/],
    ['deep nesting', `<a>${'<b>'.repeat(40)}${'</b>'.repeat(40)}</a>`, /deeper/],
    ['too many elements', `<a>${'<b/>'.repeat(2001)}</a>`, /elements/],
    ['malformed XML', '<MakeCall><callingDevice>201</MakeCall>', /well-formed/],
  ];
  for (const [name, xml, message] of hostile) {
    test(`refuses ${name}`, () =>
      assert.throws(
        () => parseMessage(xml, LIMITS),
        (err: Error) => err instanceof XmlBodyError && message.test(err.message),
      ));
  }
});
