// RFC 4235 dialog-info for `dialog` NOTIFYs: the calls on a watched line, as BLF keys on desk
// phones show them (early: ringing, confirmed: busy, none or terminated: idle).
import { xmlEscape } from './xml.js';

export const DIALOG_INFO_CONTENT_TYPE = 'application/dialog-info+xml';

/** RFC 4235 §3.7.1 dialog states. */
export type DialogState = 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
/** Why a dialog ended (the `event` attribute of a terminated state). */
export type DialogEvent = 'cancelled' | 'rejected' | 'replaced' | 'local-bye' | 'remote-bye' | 'error' | 'timeout';

/** One side of a dialog: its address, display name, and the contact (target) where known. */
export interface DialogParty {
  uri: string;
  display?: string | null;
  target?: string | null;
}

/** One call on the watched line, protocol-neutral: the lead maps each of the core's calls to one. */
export interface LineDialog {
  /** Stable for the call's life (the core's call id does). */
  id: string;
  /** SIP dialog identifiers where the line's leg has them (phones use them for pickup with Replaces). */
  callId?: string | null;
  localTag?: string | null;
  remoteTag?: string | null;
  /** `initiator`: the line called out; `recipient`: it was called. */
  direction: 'initiator' | 'recipient' | null;
  state: DialogState;
  /** For `terminated`: why, and the final response code of a rejected call. */
  event?: DialogEvent | null;
  code?: number | null;
  /** When the dialog was created (epoch ms): gives `<duration>`. */
  since?: number | null;
  /** The watched line's user. */
  local?: DialogParty | null;
  /** The other party (leave out what the watcher may not see). */
  remote?: DialogParty | null;
}

export interface DialogInfoOptions {
  /** The watched resource, `sip:201@domain` or `sip:user@domain`. */
  entity: string;
  /** The subscription's counter: 0 in the first NOTIFY, one more in each next one (RFC 4235 §4.1). */
  version: number;
  /** `full`: every dialog of the line (none: idle); `partial`: only those that changed. */
  state: 'full' | 'partial';
  now: number;
}

const attr = (name: string, v: string | number | null | undefined) =>
  v === null || v === undefined || v === '' ? '' : ` ${name}="${xmlEscape(String(v))}"`;

function party(tag: 'local' | 'remote', p: DialogParty | null | undefined): string {
  if (!p) return '';
  const identity = `<identity${attr('display', p.display)}>${xmlEscape(p.uri)}</identity>`;
  const target = p.target ? `<target${attr('uri', p.target)}/>` : '';
  return `<${tag}>${identity}${target}</${tag}>`;
}

function dialog(d: LineDialog, now: number): string {
  const ended = d.state === 'terminated';
  const code = ended && d.code && d.code >= 100 && d.code <= 699 ? d.code : null;
  const state = `<state${attr('event', ended ? d.event : null)}${attr('code', code)}>${d.state}</state>`;
  const duration =
    d.since != null && d.since <= now ? `<duration>${Math.floor((now - d.since) / 1000)}</duration>` : '';
  return [
    `<dialog${attr('id', d.id)}${attr('call-id', d.callId)}${attr('local-tag', d.localTag)}`,
    `${attr('remote-tag', d.remoteTag)}${attr('direction', d.direction)}>`,
    state,
    duration,
    party('local', d.local),
    party('remote', d.remote),
    '</dialog>',
  ].join('');
}

/** The dialog a full state of an idle line carries: the entity's user part, terminated. */
const idleDialog = (entity: string): LineDialog => ({
  id: /^sips?:([^@;]+)@/i.exec(entity)?.[1] ?? 'line',
  direction: null,
  state: 'terminated',
});

/**
 * The dialog-info document for one NOTIFY. A full state of a line with no call carries one
 * terminated dialog named after the line, as Asterisk does: RFC 4235 allows no dialog at all, but
 * Yealink BLF keys keep their last state on a NOTIFY without a dialog element.
 *
 * @example renderDialogInfo([{ id: 'c1', direction: 'recipient', state: 'early' }], { entity: 'sip:201@example.test', version: 3, state: 'full', now })
 */
export function renderDialogInfo(dialogs: readonly LineDialog[], o: DialogInfoOptions): string {
  if (!Number.isSafeInteger(o.version) || o.version < 0) throw new RangeError('version must be a non-negative integer');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${o.version}" state="${o.state}"${attr('entity', o.entity)}>`,
    ...(o.state === 'full' && dialogs.length === 0 ? [idleDialog(o.entity)] : dialogs).map((d) => dialog(d, o.now)),
    '</dialog-info>\n',
  ].join('\n');
}

const sameDialog = (a: LineDialog, b: LineDialog) =>
  a.state === b.state &&
  a.event === b.event &&
  a.code === b.code &&
  a.callId === b.callId &&
  a.localTag === b.localTag &&
  a.remoteTag === b.remoteTag &&
  a.direction === b.direction &&
  JSON.stringify([a.local, a.remote]) === JSON.stringify([b.local, b.remote]);

/**
 * What a partial NOTIFY carries from `before` to `after` (both the full list of a line's calls):
 * the new and changed dialogs, and each dialog that is gone as `terminated` (once).
 */
export function dialogChanges(before: readonly LineDialog[], after: readonly LineDialog[]): LineDialog[] {
  const now = new Map(after.map((d) => [d.id, d]));
  const was = new Map(before.map((d) => [d.id, d]));
  const changed = after.filter((d) => {
    const b = was.get(d.id);
    return !b || !sameDialog(b, d);
  });
  const gone = before
    .filter((d) => !now.has(d.id) && d.state !== 'terminated')
    .map((d): LineDialog => ({ ...d, state: 'terminated' }));
  return [...changed, ...gone];
}
