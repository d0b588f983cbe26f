import { randomUUID } from 'node:crypto';
import {
  type Call,
  type CallCause,
  type CallEventType,
  type Connection,
  type ConnectionRole,
  type ConnectionState,
  canMove,
  isLive,
  type Party,
} from './model.js';

// The pure part of a call's steps: new versions of a call from connection moves, checked against
// the CSTA transitions.

/** One connection change within a step: the connection's id, its new state and why. */
export type Move = [connectionId: string, to: ConnectionState, cause?: CallCause];

/** One event of a step: its type, the connection it is about, the moves it makes and its cause. */
export type Step = [type: CallEventType, connectionId: string | null, moves: Move[], cause?: CallCause];

export function newConnection(party: Party, role: ConnectionRole, state: ConnectionState, now: number): Connection {
  return { id: randomUUID(), party, role, state, since: now, cause: null };
}

export function illegal(call: Call, c: Connection, to: ConnectionState): Error {
  return new Error(`calls: ${call.id}: connection ${c.id} cannot go from ${c.state} to ${to}`);
}

/** The connection after `moves`, checked against the CSTA transitions. */
function moved(call: Call, c: Connection, moves: Move[], now: number): Connection {
  const move = moves.find(([id]) => id === c.id);
  if (!move) return c;
  const [, to, cause] = move;
  if (!canMove(c.state, to)) throw illegal(call, c, to);
  return { ...c, state: to, since: now, cause: cause ?? null };
}

/** The users a call's events go to: everyone with a connection, the caller and the called. */
export function involved(call: Call): string[] {
  const ids = [call.caller, call.called, ...call.connections.map((c) => c.party)].map((p) => p.userId);
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

/**
 * The call after each step (one version each), `added` joining it first; throws before anything
 * is kept when a move is not a legal transition.
 */
export function versionsOf(call: Call, steps: Step[], now: number, added?: Connection): Call[] {
  let next = added ? { ...call, connections: [...call.connections, added] } : call;
  return steps.map(([, , moves]) => {
    const before = next;
    next = {
      ...before,
      version: before.version + 1,
      connections: before.connections.map((c) => moved(before, c, moves, now)),
    };
    if (moves.some(([, to]) => to === 'connected') && next.answeredAt === null) next = { ...next, answeredAt: now };
    if (!next.connections.some(isLive)) next = { ...next, endedAt: now };
    return next;
  });
}
