// What a SUBSCRIBE watches: the user its Request-URI names, with that user's calls as the
// dialogs of a BLF key, and how much of those calls a watcher may see.
import type { Services } from '../../../compose.js';
import { connectionDialog } from '../../../core/calls/lines.js';
import { type Call, type CallEvent, type ConnectionDialog, callEventTypes, isLive } from '../../../core/calls/model.js';
import type { Relation } from '../../../core/presence/watchers.js';
import type { User } from '../../../core/users/model.js';
import { resolveTarget } from '../b2bua/target.js';
import { isSipUri, type Uri } from '../message/index.js';
import type { LineDialog } from './dialog-info.js';

/** A watch of a resource's calls: the dialogs now, and `onChange` with the new list on every change. */
export interface CallsWatch {
  dialogs(): ConnectionDialog[];
  close(): void;
}

export interface WatchedResource {
  /** The user whose presence, calls and mailbox are watched. */
  user: User;
  /** The resource as NOTIFY bodies name it (`sip:bob@example.test`). */
  entity: string;
  watchCalls(onChange: (dialogs: ConnectionDialog[]) => void): CallsWatch;
}

/**
 * The resource a Request-URI names in the watcher's tenant: `sip:NUMBER@DOMAIN` is a line (its
 * extension or DID, as calls reach it) with the calls on that line; `sip:USER@DOMAIN` is a user
 * with every call they are in.
 */
export async function resolveResource(
  core: Services,
  tenantId: string,
  uri: Uri,
): Promise<WatchedResource | undefined> {
  if (!isSipUri(uri) || uri.user === undefined) return undefined;
  const target = await resolveTarget(core, tenantId, uri.user, uri.host);
  if (!target) return undefined;
  const { user, line } = target;
  if (line) {
    return {
      user,
      entity: `sip:${line.number}@${uri.host}`,
      watchCalls: (onChange) => {
        const close = core.calls.watchLine(tenantId, line.id, (change) => onChange(change.dialogs));
        return { dialogs: () => core.calls.ofLine(tenantId, line.id), close };
      },
    };
  }
  return {
    user,
    entity: `sip:${user.local}@${user.domain}`,
    watchCalls: (onChange) => watchUserCalls(core, tenantId, user.id, onChange),
  };
}

/** The user's live connections as dialogs. */
const userDialogs = (calls: Iterable<Call>, userId: string): ConnectionDialog[] =>
  [...calls].flatMap((call) =>
    call.connections.filter((c) => c.party.userId === userId && isLive(c)).map((c) => connectionDialog(call, c)),
  );

/**
 * Follows the user's calls from the `call.*` events addressed to the user (each carries the whole
 * call), starting from the calls this node knows now; newer versions win, ended calls go.
 */
function watchUserCalls(
  core: Services,
  tenantId: string,
  userId: string,
  onChange: (dialogs: ConnectionDialog[]) => void,
): CallsWatch {
  const calls = new Map(core.calls.ofUser(tenantId, userId).map((c) => [c.id, c]));
  const apply = ({ call }: CallEvent) => {
    const known = calls.get(call.id);
    if (known && known.version >= call.version) return;
    if (call.endedAt === null) calls.set(call.id, call);
    else calls.delete(call.id);
    onChange(userDialogs(calls.values(), userId));
  };
  const subs = callEventTypes.map((type) => core.ctx.bus.subscribe(type, apply, { tenantId, userId }));
  return {
    dialogs: () => userDialogs(calls.values(), userId),
    close: () => {
      for (const unsubscribe of subs) unsubscribe();
    },
  };
}

/** The SIP ids of a ringing connection's early dialog (call-id, the ringing device's tag and ours), if known. */
export type EarlyDialogs = (d: ConnectionDialog) => { callId: string; localTag: string; remoteTag: string } | undefined;

/**
 * A dialog as a watcher of `relation` may see it (DESIGN §6): the user and their team see who is
 * on the other end; colleagues only that the line rings or is busy; a blocked watcher nothing.
 * A ringing dialog carries its SIP ids (`early`) for any watcher of the tenant: a BLF key picks
 * the call up with them (Replaces, RFC 3891).
 */
export function visibleDialogs(
  dialogs: readonly ConnectionDialog[],
  entity: string,
  relation: Relation,
  early?: EarlyDialogs,
): LineDialog[] {
  if (relation === 'blocked' || relation === 'external' || relation === 'business') return [];
  const remoteVisible = relation === 'self' || relation === 'team';
  return dialogs.map((d) => ({
    ...(d.state === 'early' && early?.(d)),
    id: d.connectionId,
    direction: d.direction,
    state: d.state,
    since: d.since,
    local: { uri: entity },
    remote: remoteVisible && d.remote.uri ? { uri: d.remote.uri, display: d.remote.display ?? null } : null,
  }));
}
