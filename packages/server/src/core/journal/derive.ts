import type { Call, CallCause, Connection, Party } from '../calls/model.js';
import { involved } from '../calls/steps.js';
import type { CallStep, EntryDraft, JournalResult } from './model.js';

// How a call's events become its journal entries: a pure function of the events, in version order.

/** Causes with which a ringing connection leaves because the call went elsewhere (ECMA-269 EventCause). */
const FORWARD_CAUSES: ReadonlySet<CallCause> = new Set([
  'redirected',
  'callForward',
  'callForwardImmediate',
  'callForwardBusy',
  'callForwardNoAnswer',
  'callPickup',
]);
const TRANSFER_CAUSES: ReadonlySet<CallCause> = new Set(['transfer', 'singleStepTransfer']);

const talking = (c: Connection) => c.state === 'connected' || c.state === 'held';

/**
 * Every user's entry of one ended call, from its events (each version once, any order; the last
 * one ends the call). A user is in the call when they are its caller or called party or have a
 * connection in it at any version.
 */
export function deriveEntries(steps: readonly CallStep[]): EntryDraft[] {
  const ordered = [...steps].sort((a, b) => a.call.version - b.call.version);
  const users = new Set(ordered.flatMap((s) => involved(s.call)));
  return [...users].map((userId) => deriveEntry(ordered, userId));
}

function deriveEntry(steps: CallStep[], userId: string): EntryDraft {
  const last = steps.at(-1) as CallStep;
  const final = last.call;
  const mine = (call: Call) => call.connections.filter((c) => c.party.userId === userId);
  const isIn = (s: CallStep) => involved(s.call).includes(userId);
  const first = steps.find(isIn) as CallStep;
  const lastIn = steps.findLastIndex(isIn);

  const calling =
    first.call.caller.userId === userId || steps.some((s) => mine(s.call).some((c) => c.role === 'calling'));
  const talkingSteps = steps.filter((s) => mine(s.call).some(talking));
  const firstTalk = talkingSteps[0];
  const answeredAt = firstTalk
    ? Math.min(
        ...mine(firstTalk.call)
          .filter(talking)
          .map((c) => c.since),
      )
    : null;
  const appeared = steps.find((s) => mine(s.call).length > 0);
  const startedAt = appeared ? Math.min(...mine(appeared.call).map((c) => c.since)) : first.at;
  const endedAt =
    mine(final).length > 0
      ? Math.max(...mine(final).map((c) => c.since))
      : (steps[lastIn + 1]?.at ?? final.endedAt ?? last.at);

  const causes = new Set(steps.flatMap((s) => mine(s.call).flatMap((c) => (c.cause ? [c.cause] : []))));
  const failed = steps.some((s) => mine(s.call).some((c) => c.state === 'failed'));
  const transfer = steps.find((s) => s.type === 'call.transferred' && s.joined)?.joined?.by;
  /** The parties the call was diverted away from, each with the index of the diverting event. */
  const diverts = steps.flatMap((s, i) => {
    const from = steps[i - 1]?.call.called;
    return s.type === 'call.diverted' && from && (s.cause === null || FORWARD_CAUSES.has(s.cause)) ? [{ from, i }] : [];
  });
  const own = mine(first.call)[0]?.party ?? { userId };

  const transferred = [...causes].some((c) => TRANSFER_CAUSES.has(c)) || transfer?.userId === userId;
  const forwarded =
    !firstTalk && ([...causes].some((c) => FORWARD_CAUSES.has(c)) || diverts.some((d) => d.from.userId === userId));
  const result: JournalResult = transferred
    ? 'transferred'
    : forwarded
      ? 'forwarded'
      : firstTalk
        ? 'answered'
        : causes.has('busy')
          ? 'busy'
          : !calling
            ? 'missed'
            : failed
              ? 'failed'
              : 'cancelled';

  // Who brought the call here: the transferring party, else whoever diverted it before this user was in it.
  const firstIn = steps.indexOf(first);
  const divertedBy = diverts.find((d) => d.i >= firstIn && d.from.userId !== userId)?.from;
  const by =
    result === 'transferred' ? (transfer ?? own) : result === 'forwarded' ? own : (transfer ?? divertedBy ?? null);

  const remote = remoteOf(steps, userId, calling, first);
  const direction =
    remote?.userId !== undefined && remote.userId !== userId ? 'internal' : calling ? 'outbound' : 'inbound';
  const line =
    steps.flatMap((s) => mine(s.call).flatMap((c) => c.party.lineNumber ?? []))[0] ??
    [first.call.caller, first.call.called].find((p) => p.userId === userId)?.lineNumber ??
    null;
  return {
    userId,
    direction,
    line,
    remote,
    startedAt,
    answeredAt,
    endedAt,
    duration: answeredAt === null ? 0 : Math.max(0, Math.round((endedAt - answeredAt) / 1000)),
    result,
    by,
  };
}

/**
 * The other end for `userId`: whom they last talked with; without a talk, whom they called or who
 * called them.
 */
function remoteOf(steps: CallStep[], userId: string, calling: boolean, first: CallStep): Party | null {
  for (const s of [...steps].reverse()) {
    const mineTalking = s.call.connections.some((c) => c.party.userId === userId && talking(c));
    const other = mineTalking && s.call.connections.find((c) => c.party.userId !== userId && talking(c));
    if (other) return other.party;
  }
  if (calling) return first.call.called.userId === userId ? null : first.call.called;
  return first.call.connections.find((c) => c.role === 'calling')?.party ?? first.call.caller;
}
