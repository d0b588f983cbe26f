import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallBackStatus } from '../../core/callbacks/model.js';
import type { Call, CallEvent, CallEventType, Connection } from '../../core/calls/model.js';
import type { CallSettings } from '../../core/forwarding/model.js';
import {
  callBackEvent,
  type DeviceEvent,
  eventsFor,
  type MonitoredDevice,
  serviceEvent,
  settingsEvents,
} from './events.js';
import { renderEvent } from './render.js';
import { parseMessage } from './xml.js';

const alice = { userId: 'ua', lineId: 'la', lineNumber: '201', deviceId: 'da' };
const bob = { userId: 'ub', lineId: 'lb', lineNumber: '202' };
const carol = { userId: 'uc', lineId: 'lc', lineNumber: '203' };
const external = { number: '+4930123456', display: 'Anna Berger' };
const ALICE: MonitoredDevice = { lineId: 'la', number: '201', userId: 'ua' };
const BOB: MonitoredDevice = { lineId: 'lb', number: '202', userId: 'ub' };
const CAROL: MonitoredDevice = { lineId: 'lc', number: '203', userId: 'uc' };

const c = (
  id: string,
  party: Connection['party'],
  role: Connection['role'],
  state: Connection['state'],
): Connection => ({
  id,
  party,
  role,
  state,
  since: 0,
  cause: null,
});
const call = (connections: Connection[], called: Call['called'] = bob): Call => ({
  id: 'call-1',
  tenantId: 't',
  node: 'n',
  dialled: called.lineNumber ?? called.number ?? '',
  caller: alice,
  called,
  connections,
  createdAt: 0,
  answeredAt: null,
  endedAt: null,
  version: 1,
});
const ev = (
  cl: Call,
  connectionId: string | null,
  cause: CallEvent['cause'] = null,
  joined?: CallEvent['joined'],
): CallEvent => ({
  tenantId: 't',
  call: cl,
  connectionId,
  cause,
  ...(joined && { joined }),
});
/** An event's name, its connections, devices, local state and cause in one line, to compare with the table. */
const brief = (e: DeviceEvent) =>
  [
    e.name,
    ...e.connections.map(([n, x]) => `${n}=${x.callId}/${x.deviceId}`),
    ...e.devices.map(([n, v]) => `${n}=${typeof v === 'string' ? v : v.none}`),
    ...(e.list ? [`${e.list.name}=${e.list.items.map((x) => x.deviceId).join(',')}`] : []),
    `local=${e.localConnectionInfo ?? '-'}`,
    `cause=${e.cause ?? '-'}`,
  ].join(' ');

const initiated = call([c('ca', alice, 'calling', 'initiated')]);
const ringing = call([c('ca', alice, 'calling', 'initiated'), c('cb', bob, 'called', 'alerting')]);
const talking = call([c('ca', alice, 'calling', 'connected'), c('cb', bob, 'called', 'connected')]);
const held = call([c('ca', alice, 'calling', 'held'), c('cb', bob, 'called', 'connected')]);
const cleared = call([c('ca', alice, 'calling', 'null'), c('cb', bob, 'called', 'connected')]);
const outbound = call([c('ca', alice, 'calling', 'initiated'), c('cx', external, 'called', 'alerting')], external);
const busy = call([c('ca', alice, 'calling', 'failed'), c('cb', bob, 'called', 'null')]);
const diverted = call([c('ca', alice, 'calling', 'initiated'), c('cb', bob, 'called', 'null')], carol);
const joined = call(
  [c('cb', bob, 'calling', 'connected'), c('cc', carol, 'called', 'connected'), c('ca', alice, 'called', 'null')],
  carol,
);

const table: [string, CallEventType, CallEvent, MonitoredDevice, string[]][] = [
  [
    'the caller starts a call',
    'call.originated',
    ev(initiated, 'ca'),
    ALICE,
    [
      'ServiceInitiatedEvent initiatedConnection=call-1/201 initiatingDevice=201 local=initiated cause=newCall',
      'OriginatedEvent originatedConnection=call-1/201 callingDevice=201 calledDevice=202 local=connected cause=newCall',
    ],
  ],
  ['the called device sees nothing of the origination', 'call.originated', ev(initiated, 'ca'), BOB, []],
  ['a device not in the call sees nothing', 'call.delivered', ev(ringing, 'cb'), CAROL, []],
  [
    'delivered, seen by the caller',
    'call.delivered',
    ev(ringing, 'cb'),
    ALICE,
    [
      'DeliveredEvent connection=call-1/202 alertingDevice=202 callingDevice=201 calledDevice=202 lastRedirectionDevice=notRequired local=connected cause=newCall',
    ],
  ],
  [
    'delivered, seen by the ringing device',
    'call.delivered',
    ev(ringing, 'cb'),
    BOB,
    [
      'DeliveredEvent connection=call-1/202 alertingDevice=202 callingDevice=201 calledDevice=202 lastRedirectionDevice=notRequired local=alerting cause=newCall',
    ],
  ],
  [
    'an external party rings: NetworkReached, then Delivered',
    'call.delivered',
    ev(outbound, 'cx'),
    ALICE,
    [
      'NetworkReachedEvent outboundConnection=call-1/+4930123456 networkInterfaceUsed=+4930123456 callingDevice=201 calledDevice=+4930123456 lastRedirectionDevice=notRequired local=connected cause=newCall',
      'DeliveredEvent connection=call-1/+4930123456 alertingDevice=+4930123456 callingDevice=201 calledDevice=+4930123456 lastRedirectionDevice=notRequired local=connected cause=newCall',
    ],
  ],
  [
    'established',
    'call.established',
    ev(talking, 'cb'),
    ALICE,
    [
      'EstablishedEvent establishedConnection=call-1/202 answeringDevice=202 callingDevice=201 calledDevice=202 lastRedirectionDevice=notRequired local=connected cause=newCall',
    ],
  ],
  [
    'held, seen by the other party',
    'call.held',
    ev(held, 'ca'),
    BOB,
    ['HeldEvent heldConnection=call-1/201 holdingDevice=201 local=connected cause=newCall'],
  ],
  [
    'held, seen by the holder',
    'call.held',
    ev(held, 'ca'),
    ALICE,
    ['HeldEvent heldConnection=call-1/201 holdingDevice=201 local=hold cause=newCall'],
  ],
  [
    'retrieved',
    'call.retrieved',
    ev(talking, 'ca'),
    ALICE,
    ['RetrievedEvent retrievedConnection=call-1/201 retrievingDevice=201 local=connected cause=newCall'],
  ],
  [
    'diverted by forwarding, seen by the diverting device',
    'call.diverted',
    ev(diverted, 'cb', 'callForwardImmediate'),
    BOB,
    [
      'DivertedEvent connection=call-1/202 divertingDevice=202 newDestination=203 callingDevice=201 calledDevice=203 lastRedirectionDevice=notRequired local=null cause=callForwardImmediate',
    ],
  ],
  [
    'failed on busy: the failing device is the called one',
    'call.failed',
    ev(busy, 'ca', 'busy'),
    ALICE,
    [
      'FailedEvent failedConnection=call-1/201 failingDevice=202 callingDevice=201 calledDevice=202 lastRedirectionDevice=notRequired local=fail cause=busy',
    ],
  ],
  [
    'connection cleared',
    'call.cleared',
    ev(cleared, 'ca'),
    BOB,
    ['ConnectionClearedEvent droppedConnection=call-1/201 releasingDevice=201 local=connected cause=normalClearing'],
  ],
  [
    'transferred by alice: bob and carol talk',
    'call.transferred',
    ev(joined, 'cc', 'transfer', { oldCalls: ['call-0', 'call-1'], by: alice }),
    CAROL,
    [
      'TransferredEvent primaryOldCall=call-0/201 secondaryOldCall=call-1/201 transferringDevice=201 transferredToDevice=203 transferredConnections=202,203 local=connected cause=transfer',
    ],
  ],
  [
    'conferenced by alice',
    'call.conferenced',
    ev(talking, 'cb', null, { oldCalls: ['call-0', 'call-2'], by: alice }),
    ALICE,
    [
      'ConferencedEvent primaryOldCall=call-0/201 secondaryOldCall=call-2/201 conferencingDevice=201 addedParty=202 conferenceConnections=201,202 local=connected cause=conference',
    ],
  ],
];

describe('CSTA events of a monitored device', () => {
  for (const [name, type, event, device, expected] of table) {
    test(name, () => assert.deepEqual(eventsFor(type, event, device).map(brief), expected));
  }

  test('every event renders in the monitor edition, with the cross reference first, and parses again', () => {
    for (const [, type, event, device] of table) {
      for (const e of eventsFor(type, event, device)) {
        const xml = renderEvent('http://www.ecma-international.org/standards/ecma-323/csta/ed3', '7', e);
        const { root, namespace } = parseMessage(xml, { maxBytes: 65_535, maxDepth: 16, maxElements: 500 });
        assert.equal(root.name, e.name);
        assert.equal(namespace, 'http://www.ecma-international.org/standards/ecma-323/csta/ed3');
        assert.deepEqual([root.children[0]?.name, root.children[0]?.text], ['monitorCrossRefID', '7']);
      }
    }
  });

  test('a rendered Delivered event has the shape of the captured one', () => {
    const [delivered] = eventsFor('call.delivered', ev(ringing, 'cb'), BOB);
    const xml = renderEvent(
      'http://www.ecma-international.org/standards/ecma-323/csta/ed4',
      '1173673890',
      delivered as DeviceEvent,
    );
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?><DeliveredEvent xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed4"><monitorCrossRefID>1173673890</monitorCrossRefID><connection><callID>call-1</callID><deviceID>202</deviceID></connection><alertingDevice><deviceIdentifier>202</deviceIdentifier></alertingDevice><callingDevice><deviceIdentifier>201</deviceIdentifier></callingDevice><calledDevice><deviceIdentifier>202</deviceIdentifier></calledDevice><lastRedirectionDevice><notRequired/></lastRedirectionDevice><localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause></DeliveredEvent>',
    );
  });

  const settings = (o: Partial<CallSettings> = {}): CallSettings => ({
    forwarding: {
      immediate: { enabled: false, to: null },
      busy: { enabled: false, to: null },
      noAnswer: { enabled: false, to: null, afterSeconds: 20 },
    },
    dnd: false,
    remoteOffice: { enabled: false, number: null },
    updatedAt: null,
    ...o,
  });
  const line = (e: DeviceEvent) => [e.name, ...(e.fields ?? []).map(([k, v]) => `${k}=${v}`)].join(' ');

  test('forwarding and do not disturb: only what changed', () => {
    const before = settings();
    const on = settings({ forwarding: { ...before.forwarding, busy: { enabled: true, to: '+4930123' } } });
    assert.deepEqual(settingsEvents(before, on, ALICE).map(line), [
      'ForwardingEvent forwardingType=forwardBusy forwardStatus=true forwardTo=+4930123',
    ]);
    assert.deepEqual(settingsEvents(on, settings({ ...on, dnd: true }), ALICE).map(line), [
      'DoNotDisturbEvent doNotDisturbOn=true',
    ]);
    assert.deepEqual(settingsEvents(on, on, ALICE), []);
    assert.equal(settingsEvents(null, before, ALICE).length, 4, 'unknown before: every rule and DND');
  });

  test('call-back: set when requested, cancelled when cancelled, expired or used up; only for its own line', () => {
    const r = { fromLineId: ALICE.lineId, fromNumber: ALICE.number, targetNumber: '202' };
    const shown = (status: CallBackStatus) =>
      callBackEvent(r, status, ALICE).map((e) => `${line(e)} ${e.devices.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    assert.deepEqual(shown('requested'), [
      `CallBackEvent callBackSetCanceled=true originatingDevice=${ALICE.number} targetDevice=202`,
    ]);
    for (const status of ['cancelled', 'expired', 'ringing'] as const)
      assert.deepEqual(shown(status), [
        `CallBackEvent callBackSetCanceled=false originatingDevice=${ALICE.number} targetDevice=202`,
      ]);
    assert.deepEqual(shown('done'), [], 'its call has events of its own');
    assert.deepEqual(callBackEvent({ ...r, fromLineId: 'another' }, 'requested', ALICE), []);
  });

  test('in service and out of it', () => {
    assert.equal(serviceEvent(true, ALICE).name, 'BackInServiceEvent');
    assert.equal(serviceEvent(false, ALICE).name, 'OutOfServiceEvent');
  });
});
