import type { LineState } from '../presence/model.js';
import {
  type Call,
  type Connection,
  type ConnectionDialog,
  type DialogState,
  isLive,
  type LineDialog,
  type Party,
} from './model.js';

function dialogState(call: Call, c: Connection): DialogState {
  switch (c.state) {
    case 'null':
    case 'failed':
      return 'terminated';
    case 'connected':
    case 'held':
      return 'confirmed';
    case 'alerting':
      return 'early';
    case 'initiated':
      return call.connections.some((o) => o.role === 'called' && o.state === 'alerting') ? 'early' : 'trying';
  }
}

/** The party at the other end of `c`: the live other side, preferring one that answered. */
function remoteOf(call: Call, c: Connection): Party {
  const others = call.connections.filter((o) => o.role !== c.role && isLive(o));
  const answered = others.find((o) => o.state === 'connected' || o.state === 'held');
  return (answered ?? others[0])?.party ?? (c.role === 'calling' ? call.called : call.caller);
}

/** A connection as a dialog (what a BLF key shows), whether or not it is on a line. */
export function connectionDialog(call: Call, c: Connection): ConnectionDialog {
  const { userId, deviceId } = c.party;
  return {
    callId: call.id,
    connectionId: c.id,
    ...(userId !== undefined && { userId }),
    ...(deviceId !== undefined && { deviceId }),
    state: dialogState(call, c),
    held: c.state === 'held',
    direction: c.role === 'calling' ? 'initiator' : 'recipient',
    remote: remoteOf(call, c),
    since: c.since,
  };
}

export function dialogOf(call: Call, c: Connection): LineDialog | undefined {
  const { lineId, lineNumber } = c.party;
  if (lineId === undefined) return undefined;
  return { ...connectionDialog(call, c), lineId, ...(lineNumber !== undefined && { lineNumber }) };
}

/** The dialogs of `lineId` in `call`, cleared connections included (as `terminated`). */
export const lineDialogs = (call: Call, lineId: string): LineDialog[] =>
  call.connections.flatMap((c) => {
    const d = c.party.lineId === lineId ? dialogOf(call, c) : undefined;
    return d ? [d] : [];
  });

/** The presence input key of a user's calls on no line of theirs (called by address, no lines yet). */
const NO_LINE_KEY = 'phone';

/**
 * The key of a party's line among its user's presence inputs: the number, else the line id; a
 * user's device on no line counts as their one phone, so such calls still show in presence.
 */
const presenceKey = (p: Party) => p.lineNumber ?? p.lineId ?? (p.deviceId !== undefined ? NO_LINE_KEY : undefined);

/**
 * A connection state as the presence line input. Several calls on one line: the strongest wins,
 * in this order — on a call beats held (the user talks to someone), held beats dialling, and
 * dialling beats ringing (a call waiting does not hide that the user is busy on the phone).
 */
const strength: Record<Connection['state'], { state: LineState; rank: number } | null> = {
  connected: { state: 'connected', rank: 4 },
  held: { state: 'held', rank: 3 },
  initiated: { state: 'dialing', rank: 2 },
  failed: { state: 'dialing', rank: 2 }, // the caller hears the busy tone
  alerting: { state: 'ringing', rank: 1 },
  null: null,
};

/** The presence line state of `userId`'s line `key` over these calls; null: no live connection on it. */
export function lineState(calls: Iterable<Call>, userId: string, key: string): LineState | null {
  let best: { state: LineState; rank: number } | null = null;
  for (const call of calls) {
    if (call.endedAt !== null) continue;
    for (const c of call.connections) {
      // A called device that failed (busy, rejected) is not engaged in this call.
      const s = c.state === 'failed' && c.role === 'called' ? null : strength[c.state];
      if (!s || c.party.userId !== userId || presenceKey(c.party) !== key) continue;
      if (!best || s.rank > best.rank) best = s;
    }
  }
  return best?.state ?? null;
}

/** The (user, line key) pairs of a call's connections, each once. */
export function presenceLines(call: Call): { userId: string; key: string }[] {
  const seen = new Map<string, { userId: string; key: string }>();
  for (const { party } of call.connections) {
    const key = presenceKey(party);
    if (party.userId !== undefined && key !== undefined)
      seen.set(`${party.userId} ${key}`, { userId: party.userId, key });
  }
  return [...seen.values()];
}
