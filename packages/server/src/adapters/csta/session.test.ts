import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import type { CallControl, ControlledDevice } from '../../core/calls/control.js';
import type { Call } from '../../core/calls/model.js';
import { ParleyError } from '../../core/errors.js';
import type { CallSettingsService } from '../../core/forwarding/model.js';
import { defaultCallSettings } from '../../core/forwarding/repository.js';
import type { DeviceEvent } from './events.js';
import { CstaSession, type SessionDeps } from './session.js';
import { parseMessage, textOf } from './xml.js';

const SESSION = 'http://www.ecma-international.org/standards/ecma-354/appl_session';
const ed = (n: number) => `http://www.ecma-international.org/standards/ecma-323/csta/ed${n}`;
const LIMITS = { maxBytes: 65_535, maxDepth: 32, maxElements: 2000 };

const start = (user = 'alice@a.test', password = 'secret', extra = '') =>
  `<StartApplicationSession xmlns="${SESSION}"><applicationInfo><applicationID>t</applicationID><applicationSpecificInfo><SessionLoginInfo><userName>${user}</userName><password>${password}</password></SessionLoginInfo></applicationSpecificInfo></applicationInfo>${extra}</StartApplicationSession>`;
const csta = (name: string, inner = '', edition = 4) => `<${name} xmlns="${ed(edition)}">${inner}</${name}>`;
const hold = (callId: string) =>
  csta('HoldCall', `<callToBeHeld><callID>${callId}</callID><deviceID>201</deviceID></callToBeHeld>`);

const device: ControlledDevice = { tenantId: 't', userId: 'ua', lineId: 'la', number: '201', did: null };
const aCall = {
  id: 'c1',
  connections: [{ id: 'x', party: { lineNumber: '201' }, role: 'calling', state: 'initiated' }],
} as unknown as Call;

/** A session over recording deps: what it sends, the timers it set, a call control whose answers a test sets. */
function harness(overrides: Partial<SessionDeps> = {}) {
  const sent: { xml: string; invokeId: string | null }[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const emitters: ((ev: DeviceEvent) => void)[] = [];
  let stopped = 0;
  let closed = 0;
  let clock = 0;
  const behaviour: { makeCall: () => Promise<Call>; hold: () => Promise<Call> } = {
    makeCall: async () => aCall,
    hold: async () => aCall,
  };
  const control = {
    device: async (_a: unknown, ref: string) => {
      if (ref !== '201') throw new ParleyError('PARLEY_ERR_NOT_FOUND');
      return device;
    },
    makeCall: () => behaviour.makeCall(),
    hold: () => behaviour.hold(),
  } as unknown as CallControl;
  /** DND per user, as the call settings service keeps it. */
  const dnd = new Map<string, boolean>();
  const settings = {
    get: async (_t: string, userId: string) => ({ ...defaultCallSettings(), dnd: dnd.get(userId) ?? false }),
    setDnd: async (_t: string, userId: string, on: boolean) => {
      dnd.set(userId, on);
      return { ...defaultCallSettings(), dnd: on };
    },
  } as unknown as CallSettingsService;
  const session = new CstaSession({
    login: async (user, password) => {
      if (password !== 'secret') throw new ParleyError('PARLEY_ERR_INVALID_CREDENTIALS');
      return { actor: { tenantId: 't', userId: 'ua', scope: 'user' }, account: user };
    },
    control,
    settings,
    watch: async (_t, _d, emit) => {
      emitters.push(emit);
      return () => stopped++;
    },
    send: (xml, invokeId) => sent.push({ xml, invokeId }),
    close: () => closed++,
    timer: (fn, ms) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    now: () => clock,
    log: pino({ level: 'silent' }),
    limits: {
      xml: LIMITS,
      maxMonitors: 2,
      requestsPerSecond: 20,
      sessionSeconds: { default: 180, min: 30, max: 3600 },
    },
    ...overrides,
  });
  let invoke = 1;
  /** Sends one request and waits for it to be answered; the answer's root, namespace and text of a child. */
  const ask = async (xml: string, invokeId: string | null = String(invoke++).padStart(4, '0')) => {
    const before = sent.length;
    session.receive({ invokeId, xml: Buffer.from(xml) });
    await session.settled();
    const reply = sent[before];
    assert.ok(reply, `no answer to ${xml.slice(0, 60)}`);
    const { root, namespace } = parseMessage(reply.xml, LIMITS);
    const error = root.name === 'CSTAErrorCode' ? `${root.children[0]?.name}/${root.children[0]?.text}` : undefined;
    return { root, namespace, invokeId: reply.invokeId, error, text: (name: string) => textOf(root, name) };
  };
  return {
    session,
    sent,
    timers,
    emitters,
    behaviour,
    dnd,
    ask,
    closed: () => closed,
    stopped: () => stopped,
    tick: (ms: number) => (clock += ms),
  };
}

describe('CSTA session', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    h = harness();
  });

  test('before StartApplicationSession every request is refused, unknown ones too', async () => {
    for (const xml of [
      csta('MakeCall', '<callingDevice>201</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>'),
      csta('MonitorStart'),
      csta('FrobnicateCall'),
    ]) {
      assert.equal((await h.ask(xml)).error, 'operation/securityViolation');
    }
  });

  const negatives: [string, string, string][] = [
    ['a wrong password', start('alice@a.test', 'wrong'), 'invalidApplicationInfo'],
    [
      'no login info',
      `<StartApplicationSession xmlns="${SESSION}"><applicationInfo><applicationID>t</applicationID></applicationInfo></StartApplicationSession>`,
      'invalidApplicationInfo',
    ],
    [
      'only unsupported protocol versions',
      start(
        'alice@a.test',
        'secret',
        `<requestedProtocolVersions><protocolVersion>${ed(7)}</protocolVersion><protocolVersion>http://www.avaya.com/csta</protocolVersion></requestedProtocolVersions>`,
      ),
      'requestedProtocolVersionNotSupported',
    ],
  ];
  for (const [name, xml, error] of negatives) {
    test(`StartApplicationSession refused: ${name}`, async () => {
      const r = await h.ask(xml);
      assert.equal(r.root.name, 'StartApplicationSessionNegResponse');
      assert.equal(textOf(r.root.children[0], 'definedError'), error);
      assert.equal(h.session.principal, undefined);
    });
  }

  test('login: the first supported protocol version, the duration within bounds, one session per connection', async () => {
    const r = await h.ask(
      start(
        'alice@a.test',
        'secret',
        `<requestedProtocolVersions><protocolVersion>${ed(7)}</protocolVersion><protocolVersion>${ed(3)}</protocolVersion></requestedProtocolVersions><requestedSessionDuration>999999</requestedSessionDuration>`,
      ),
    );
    assert.equal(r.root.name, 'StartApplicationSessionPosResponse');
    assert.equal(r.namespace, SESSION);
    assert.equal(r.text('actualProtocolVersion'), ed(3));
    assert.equal(r.text('actualSessionDuration'), '3600');
    assert.equal(h.timers.at(-1)?.ms, 3_600_000);
    // Answers in ed3 now, unless a request names another edition.
    assert.equal((await h.ask('<RequestSystemStatus/>')).namespace, ed(3));
    assert.equal((await h.ask(csta('RequestSystemStatus', '', 6))).namespace, ed(6));
    assert.equal((await h.ask(start())).root.name, 'StartApplicationSessionNegResponse');
  });

  test('ResetApplicationSessionTimer and expiry: StopApplicationSession is sent and the connection closes', async () => {
    const id = (
      await h.ask(start('alice@a.test', 'secret', '<requestedSessionDuration>5</requestedSessionDuration>'))
    ).text('sessionID');
    assert.equal(h.timers.at(-1)?.ms, 30_000, 'the minimum');
    const wrong = await h.ask(
      `<ResetApplicationSessionTimer xmlns="${SESSION}"><sessionID>nope</sessionID></ResetApplicationSessionTimer>`,
    );
    assert.equal(wrong.root.name, 'ResetApplicationSessionTimerNegResponse');
    const reset = await h.ask(
      `<ResetApplicationSessionTimer xmlns="${SESSION}"><sessionID>${id}</sessionID><requestedSessionDuration>60</requestedSessionDuration></ResetApplicationSessionTimer>`,
    );
    assert.equal(reset.text('actualSessionDuration'), '60');
    assert.equal(h.timers.filter((t) => !t.cancelled).length, 1);
    await h.ask(csta('MonitorStart', '<monitorObject><deviceObject>201</deviceObject></monitorObject>'));
    const before = h.sent.length;
    h.timers.find((t) => !t.cancelled)?.fn();
    const stop = parseMessage(h.sent[before]?.xml ?? '', LIMITS);
    assert.equal(stop.root.name, 'StopApplicationSession');
    assert.equal(textOf(stop.root, 'sessionID'), id);
    assert.match(h.sent[before]?.invokeId ?? '', /^9\d{3}$/);
    assert.notEqual(h.sent[before]?.invokeId, '9999');
    assert.equal(h.closed(), 1);
    assert.equal(h.stopped(), 1, 'the monitor ended');
    assert.equal((await h.ask(csta('RequestSystemStatus'))).error, 'operation/securityViolation');
  });

  test('StopApplicationSession: only with the session id; then the connection ends', async () => {
    const id = (await h.ask(start())).text('sessionID');
    assert.equal(
      (await h.ask(`<StopApplicationSession xmlns="${SESSION}"><sessionID>x</sessionID></StopApplicationSession>`)).root
        .name,
      'StopApplicationSessionNegResponse',
    );
    assert.equal(
      (await h.ask(`<StopApplicationSession xmlns="${SESSION}"><sessionID>${id}</sessionID></StopApplicationSession>`))
        .root.name,
      'StopApplicationSessionPosResponse',
    );
    assert.equal(h.closed(), 1, 'the connection ends with its session');
    assert.equal((await h.ask(csta('GetCSTAFeatures'))).error, 'operation/securityViolation');
  });

  test('system services both ways, features, unknown services', async () => {
    await h.ask(start());
    assert.equal((await h.ask(csta('RequestSystemStatus'))).text('systemStatus'), 'normal');
    assert.equal(
      (await h.ask(csta('SystemStatus', '<systemStatus>normal</systemStatus>'))).root.name,
      'SystemStatusResponse',
    );
    const id = (
      await h.ask(csta('SystemRegister', '<requestTypes><systemStatus>true</systemStatus></requestTypes>'))
    ).text('sysStatRegisterID');
    assert.ok(id);
    const features = await h.ask(csta('GetCSTAFeatures'));
    const services = features.root.children.find((c) => c.name === 'supportedServices');
    const group = (name: string) => services?.children.find((c) => c.name === name)?.children.map((c) => c.name);
    const control = group('callControlServices');
    assert.ok(control?.includes('makeCall') && control.includes('singleStepTransfer'));
    // ECMA-269 §22: CallBackNonCallRelated is a logical device feature, not call control.
    assert.ok(!control?.includes('callBackNonCallRelated'));
    assert.deepEqual(group('logicalDeviceFeatures'), [
      'callBackNonCallRelated',
      'cancelCallBack',
      'getDoNotDisturb',
      'getForwarding',
      'setDoNotDisturb',
      'setForwarding',
    ]);
    assert.equal((await h.ask(csta('FrobnicateCall'))).error, 'operation/invalidFeature');
    // An application's answer to our request is not a request.
    const before = h.sent.length;
    h.session.receive({ invokeId: '9000', xml: Buffer.from(csta('SystemStatusResponse')) });
    await h.session.settled();
    assert.equal(h.sent.length, before);
    h.session.end('shutdown');
    const last = parseMessage(h.sent.at(-1)?.xml ?? '', LIMITS).root;
    assert.deepEqual(
      [last.name, textOf(last, 'sysStatRegisterID'), textOf(last, 'systemStatus')],
      ['SystemStatus', id, 'disabled'],
    );
  });

  test('DND over CSTA is the device owner\u2019s call setting; another device is unknown', async () => {
    await h.ask(start());
    const set = (on: boolean, dev = '201') =>
      csta('SetDoNotDisturb', `<device>${dev}</device><doNotDisturbOn>${on}</doNotDisturbOn>`);
    assert.equal((await h.ask(set(true))).root.name, 'SetDoNotDisturbResponse');
    assert.equal(h.dnd.get(device.userId), true);
    assert.equal((await h.ask(csta('GetDoNotDisturb', '<device>201</device>'))).text('doNotDisturbOn'), 'true');
    assert.equal((await h.ask(set(false, '299'))).error, 'operation/invalidDeviceID');
    assert.equal(h.dnd.get(device.userId), true);
  });

  test('invoke ids: 9999 and one still unanswered are refused; answers carry the request id', async () => {
    await h.ask(start());
    assert.equal((await h.ask(csta('RequestSystemStatus'), '0420')).invokeId, '0420');
    assert.equal((await h.ask(csta('RequestSystemStatus'), '9999')).error, 'operation/valueOutOfRange');
    let release: (c: Call) => void = () => undefined;
    const asked = new Promise<void>((called) => {
      h.behaviour.makeCall = () =>
        new Promise<Call>((r) => {
          release = r;
          called();
        });
    });
    const make = csta(
      'MakeCall',
      '<callingDevice>201</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>',
    );
    h.session.receive({ invokeId: '0500', xml: Buffer.from(make) });
    const dup = h.sent.length;
    h.session.receive({ invokeId: '0500', xml: Buffer.from(make) });
    assert.equal(h.sent[dup]?.invokeId, '0500');
    assert.match(h.sent[dup]?.xml ?? '', /<operation>valueOutOfRange<\/operation>/);
    await asked;
    release(aCall);
    await h.session.settled();
    const made = parseMessage(h.sent.at(-1)?.xml ?? '', LIMITS).root;
    assert.equal(made.name, 'MakeCallResponse');
    assert.deepEqual([textOf(made.children[0], 'callID'), textOf(made.children[0], 'deviceID')], ['c1', '201']);
  });

  const failures: [string, () => Promise<Call>, string][] = [
    ['no such call', async () => Promise.reject(new ParleyError('PARLEY_ERR_NOT_FOUND')), 'operation/invalidCallID'],
    [
      'a state that does not allow it',
      async () => Promise.reject(new ParleyError('PARLEY_ERR_INVALID_STATE')),
      'stateIncompatibility/invalidObjectState',
    ],
    [
      'a device that cannot',
      async () => Promise.reject(new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', 'no uaCSTA')),
      'operation/requestIncompatibleWithObject',
    ],
    [
      'a device not registered',
      async () => Promise.reject(new ParleyError('PARLEY_ERR_DEVICE_UNREACHABLE')),
      'systemResourceAvailability/resourceOutOfService',
    ],
    [
      'another user\u2019s device',
      async () => Promise.reject(new ParleyError('PARLEY_ERR_FORBIDDEN')),
      'operation/privilegeViolationSpecifiedDevice',
    ],
    ['a bug', async () => Promise.reject(new Error('boom')), 'operation/generic'],
  ];
  for (const [name, outcome, error] of failures) {
    test(`HoldCall fails: ${name} → ${error}`, async () => {
      await h.ask(start());
      h.behaviour.hold = outcome;
      assert.equal((await h.ask(hold('c1'))).error, error);
    });
  }

  test('MakeCall from an unknown device → invalidDeviceID; malformed XML and bombs → an error, the session goes on', async () => {
    await h.ask(start());
    h.behaviour.makeCall = async () => Promise.reject(new ParleyError('PARLEY_ERR_NOT_FOUND'));
    assert.equal(
      (
        await h.ask(
          csta('MakeCall', '<callingDevice>999</callingDevice><calledDirectoryNumber>202</calledDirectoryNumber>'),
        )
      ).error,
      'operation/invalidDeviceID',
    );
    assert.equal((await h.ask('<MakeCall><callingDevice>')).error, 'operation/generic');
    assert.equal((await h.ask('<!DOCTYPE a [<!ENTITY a "aaaa">]><MakeCall>&a;</MakeCall>')).error, 'operation/generic');
    assert.equal((await h.ask(csta('RequestSystemStatus'))).text('systemStatus'), 'normal');
  });

  test('monitors: events carry the cross reference and 9999; MonitorStop; the limit; an unknown device', async () => {
    await h.ask(start());
    const monitor = csta('MonitorStart', '<monitorObject><deviceObject>201</deviceObject></monitorObject>');
    const xref = (await h.ask(monitor)).text('monitorCrossRefID');
    h.emitters[0]?.({
      name: 'HeldEvent',
      connections: [['heldConnection', { callId: 'c1', deviceId: '201' }]],
      devices: [['holdingDevice', '201']],
      localConnectionInfo: 'hold',
      cause: 'newCall',
    });
    const event = h.sent.at(-1);
    assert.equal(event?.invokeId, '9999');
    assert.equal(textOf(parseMessage(event?.xml ?? '', LIMITS).root, 'monitorCrossRefID'), xref);
    await h.ask(monitor);
    assert.equal((await h.ask(monitor)).error, 'subscribedResourceAvailability/objectMonitorLimitExceeded');
    assert.equal(
      (await h.ask(csta('MonitorStop', `<monitorCrossRefID>${xref}</monitorCrossRefID>`))).root.name,
      'MonitorStopResponse',
    );
    assert.equal(h.stopped(), 1);
    assert.equal(
      (await h.ask(csta('MonitorStop', `<monitorCrossRefID>${xref}</monitorCrossRefID>`))).error,
      'operation/invalidCrossRefID',
    );
    assert.equal(
      (await h.ask(csta('MonitorStart', '<monitorObject><deviceObject>999</deviceObject></monitorObject>'))).error,
      'operation/invalidDeviceID',
    );
  });

  test('requests over the per-second budget are refused until the next second', async () => {
    await h.ask(start());
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push((await h.ask(csta('RequestSystemStatus'))).error);
    assert.deepEqual(answers.slice(0, 18), Array(18).fill(undefined));
    assert.equal(answers.at(-1), 'performanceManagement/performanceLimitExceeded');
    h.tick(1000);
    assert.equal((await h.ask(csta('RequestSystemStatus'))).error, undefined);
  });
});
