// The API form (`@parley/api`) of a call, for the HTTP routes and the event socket.
import type { Call as CallDto, CallParty as PartyDto } from '@parley/api';
import type { Call, Party } from '../../core/calls/model.js';
import { iso, isoOrNull } from './time.js';

/** A party as the API shows it: a colleague by name, someone outside by the directory's match for the number. */
export const partyView = (p: Party): PartyDto => ({
  ...(p.userId !== undefined && { userId: p.userId }),
  ...(p.lineNumber !== undefined && { line: p.lineNumber }),
  ...(p.deviceId !== undefined && { device: p.deviceId }),
  ...(p.number !== undefined && { number: p.number }),
  ...(p.uri !== undefined && { uri: p.uri }),
  ...(p.display !== undefined && { display: p.display }),
  name: p.resolved?.name ?? p.display ?? null,
  company: p.resolved?.company ?? null,
  match: p.resolved?.match ?? null,
});

/** A call as `userId` sees it: `state` is their own connection's (else the first one's). */
export function callView(call: Call, userId?: string): CallDto {
  const own =
    call.connections.find((c) => c.party.userId === userId && c.state !== 'null') ??
    call.connections.find((c) => c.party.userId === userId) ??
    call.connections[0];
  return {
    id: call.id,
    state: own?.state ?? 'null',
    dialled: call.dialled,
    caller: partyView(call.caller),
    called: partyView(call.called),
    connections: call.connections.map((c) => ({
      id: c.id,
      party: partyView(c.party),
      role: c.role,
      state: c.state,
      since: iso(c.since),
      cause: c.cause,
    })),
    createdAt: iso(call.createdAt),
    answeredAt: isoOrNull(call.answeredAt),
    endedAt: isoOrNull(call.endedAt),
  };
}
