import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallSettings, RouteDecision } from './model.js';
import { defaultCallSettings } from './repository.js';
import { decide } from './route.js';

/** Settings from the defaults (everything off) with the given changes. */
function settings(s: {
  dnd?: boolean;
  immediate?: [boolean, string | null];
  busy?: [boolean, string | null];
  noAnswer?: [boolean, string | null, number?];
  remote?: [boolean, string | null];
}): CallSettings {
  const d = defaultCallSettings();
  const rule = (r: [boolean, string | null] | undefined, def: { enabled: boolean; to: string | null }) =>
    r ? { enabled: r[0], to: r[1] } : def;
  return {
    ...d,
    dnd: s.dnd ?? false,
    forwarding: {
      immediate: rule(s.immediate, d.forwarding.immediate),
      busy: rule(s.busy, d.forwarding.busy),
      noAnswer: s.noAnswer
        ? { enabled: s.noAnswer[0], to: s.noAnswer[1], afterSeconds: s.noAnswer[2] ?? 20 }
        : d.forwarding.noAnswer,
    },
    remoteOffice: s.remote ? { enabled: s.remote[0], number: s.remote[1] } : d.remoteOffice,
  };
}

const ringOnly: RouteDecision = { kind: 'ring', alsoRing: null, onBusy: null, onNoAnswer: null };

const rows: { name: string; in: Parameters<typeof settings>[0]; out: RouteDecision }[] = [
  { name: 'nothing set: ring the devices, nothing else', in: {}, out: ringOnly },
  { name: 'DND refuses', in: { dnd: true }, out: { kind: 'refuse', cause: 'doNotDisturb' } },
  {
    name: 'DND beats immediate forwarding and every other rule',
    in: { dnd: true, immediate: [true, '300'], busy: [true, '301'], remote: [true, '+4917012345'] },
    out: { kind: 'refuse', cause: 'doNotDisturb' },
  },
  {
    name: 'immediate forwarding forwards before anything rings',
    in: { immediate: [true, '+49 711 999'], busy: [true, '301'], noAnswer: [true, '302'], remote: [true, '0170 1'] },
    out: { kind: 'forward', to: '+49 711 999', cause: 'callForwardImmediate' },
  },
  { name: 'immediate forwarding off with a target: ring', in: { immediate: [false, '300'] }, out: ringOnly },
  {
    name: 'a rule on without a target counts as off',
    in: { immediate: [true, null], busy: [true, null] },
    out: ringOnly,
  },
  {
    name: 'busy and no-answer rules say where the ringing call goes next',
    in: { busy: [true, '301'], noAnswer: [true, 'bob@example.test', 35] },
    out: { kind: 'ring', alsoRing: null, onBusy: '301', onNoAnswer: { to: 'bob@example.test', afterSeconds: 35 } },
  },
  {
    name: 'rules switched off keep their targets but do not apply',
    in: { busy: [false, '301'], noAnswer: [false, '302'] },
    out: ringOnly,
  },
  {
    name: 'remote office rings alongside the devices',
    in: { remote: [true, '+4917012345'], noAnswer: [true, '302'] },
    out: { kind: 'ring', alsoRing: '+4917012345', onBusy: null, onNoAnswer: { to: '302', afterSeconds: 20 } },
  },
  { name: 'remote office off: nothing rings alongside', in: { remote: [false, '+4917012345'] }, out: ringOnly },
];

for (const row of rows) {
  test(`decide: ${row.name}`, () => {
    const input = settings(row.in);
    const copy = structuredClone(input);
    assert.deepEqual(decide(input), row.out);
    assert.deepEqual(input, copy, 'the settings are not changed');
  });
}
