// Transfer from the phone (RFC 3515 REFER, RFC 5589): a phone's transfer key sends REFER inside a
// call's dialog. Refer-To names the target (blind: the other party is called through to it, as
// SingleStepTransfer does) or, with an embedded Replaces (RFC 3891), the phone's other call, the
// consultation (attended: the two calls become one, as TransferCall does). Both go through the
// core's call control with the phone's user as the actor, so the call events are the CTI
// services'. The phone hears the outcome in NOTIFYs of the implicit subscription (Event: refer,
// message/sipfrag), none with Refer-Sub: false (RFC 4488). The Refer-To parse is here too.
import type { Services } from '../../../compose.js';
import { isPartyOf } from '../../../core/calls/model.js';
import { ParleyError } from '../../../core/errors.js';
import { headerValues, isSipUri, parseNameAddr, respond, type SipRequest } from '../message/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import type { DialogCall } from './dialogs.js';
import { parseReplaces, type Replaces } from './replaces.js';
import type { CallParty, CallSide, CallSink, Switch } from './types.js';

/** What a Refer-To asks: call `dialled`; with `replaces`, in place of that dialog (attended transfer). */
export interface ReferTarget {
  dialled: string;
  replaces?: Replaces;
}

const MAX_REFER_TO = 1024;
const DIALLED = /^[A-Za-z0-9+*#_.\-()]{1,64}$/;

/**
 * Parses the Refer-To values of a REFER (RFC 3515 §2.1): exactly one, a SIP(S) URI with a user
 * part or a tel: URI, for INVITE only; a `Replaces` URI header (percent-decoded) names the dialog
 * to replace. A string: why the value is refused (400).
 */
export function parseReferTo(values: string[]): ReferTarget | string {
  const [value, ...more] = values;
  if (value === undefined) return 'no Refer-To';
  if (more.length > 0 || value.includes(',')) return 'more than one Refer-To';
  if (value.length > MAX_REFER_TO) return `Refer-To longer than ${MAX_REFER_TO}`;
  let uri: ReturnType<typeof parseNameAddr>['uri'];
  try {
    uri = parseNameAddr(value, MAX_REFER_TO).uri;
  } catch {
    return 'Refer-To is no URI';
  }
  const dialled = isSipUri(uri) ? uri.user : uri.scheme === 'tel' ? uri.raw.slice(4).split(';')[0] : undefined;
  if (dialled === undefined || !DIALLED.test(dialled)) return 'Refer-To names no number or user';
  if (!isSipUri(uri)) return { dialled };
  const method = uri.params.get('method');
  if (method !== undefined && method?.toUpperCase() !== 'INVITE') return 'Refer-To asks for another method than INVITE';
  const replacing = uri.headers.filter(([name]) => name.toLowerCase() === 'replaces');
  if (replacing.length > 1) return 'more than one Replaces';
  if (replacing.length === 0) return { dialled };
  const replaces = parseReplaces(replacing[0]?.[1] ?? '');
  return replaces ? { dialled, replaces } : 'Replaces names no dialog';
}

/** The sipfrag status a failed transfer reports, by the core's error. */
function failure(err: unknown): string {
  const code = err instanceof ParleyError ? err.code : undefined;
  if (code === 'PARLEY_ERR_NOT_FOUND' || code === 'PARLEY_ERR_VALIDATION') return '404 Not Found';
  if (code === 'PARLEY_ERR_DEVICE_UNREACHABLE') return '480 Temporarily Unavailable';
  if (code === 'PARLEY_ERR_INVALID_STATE') return '503 Service Unavailable';
  return '500 Server Internal Error';
}

export interface ReferOptions {
  core: Services;
  sink: Pick<CallSink, 'coreId'>;
  sw: Switch;
  /** The call one of whose dialogs has this Call-ID. */
  callOf(callId: string): DialogCall | undefined;
}

/** The REFERs inside the calls of a switch. */
export class Referrals {
  constructor(private readonly o: ReferOptions) {}

  /**
   * A REFER from `side` of `call` (connected): 400 for a bad Refer-To, 403 unless `side` is a
   * device of a line of the tenant; else 202, and the transfer is carried out.
   */
  refer(call: DialogCall, side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>): void {
    this.accept(call, side, request, tx).catch((err: unknown) =>
      this.o.sw.log.warn({ err, call: call.id }, 'b2bua: a REFER failed'),
    );
  }

  private async accept(call: DialogCall, side: CallSide, request: SipRequest, tx: ServerTransaction<Flow>) {
    const { sw, core } = this.o;
    const reply = (status: number, reason: string, headers = [] as { name: string; value: string }[]) =>
      sw.respond(tx, respond(request, status, reason, { headers }));
    const target = parseReferTo(headerValues(request.headers, 'Refer-To'));
    if (typeof target === 'string') return reply(400, `Bad Request (${target})`);
    const party = call.partyOf(side);
    const leg = call.legOf(side);
    const coreId = await this.o.sink.coreId(call.id);
    const coreCall = coreId === undefined ? undefined : core.calls.latest(coreId);
    if (!party?.userId || party.lineNumber === undefined || !leg || !coreId || !coreCall)
      return reply(403, 'Forbidden (only a device on a line of the tenant transfers its call)');
    const subscribed = !headerValues(request.headers, 'Refer-Sub').some((v) => v.trim().toLowerCase() === 'false');
    reply(202, 'Accepted', subscribed ? [] : [{ name: 'Refer-Sub', value: 'false' }]);
    // RFC 3515 §2.4.4: the NOTIFYs name the REFER by its CSeq.
    const notify = (status: string, last: boolean) =>
      subscribed &&
      sw.sendRequest(
        leg.request('NOTIFY', {
          headers: [
            { name: 'Event', value: `refer;id=${request.cseq.seq}` },
            { name: 'Subscription-State', value: last ? 'terminated;reason=noresource' : 'active;expires=60' },
            { name: 'Content-Type', value: 'message/sipfrag;version=2.0' },
          ],
          body: Buffer.from(`SIP/2.0 ${status}\r\n`),
        }),
        leg.flow,
        () => undefined,
      );
    notify('100 Trying', false);
    let done = false;
    const finish = (status: string) => {
      if (!done) notify(status, true);
      done = true;
    };
    // Once the transfer moves the phone out, it hears 200 before Parley's BYE.
    leg.onTransferred = () => finish('200 OK');
    const actor = { tenantId: coreCall.tenantId, userId: party.userId, scope: 'user' as const };
    try {
      if (!target.replaces) await core.control.singleStepTransfer(actor, coreId, target.dialled, party.lineNumber);
      else {
        const other = await this.consultation(call, party, target.replaces);
        if (!other) return finish('481 Call/Transaction Does Not Exist');
        // TransferCall takes the held call and the connected one, whichever the phone referred.
        const held = coreCall.connections.some((c) => c.state === 'held' && isPartyOf(party, c.party));
        const [heldId, activeId] = held ? [coreId, other] : [other, coreId];
        await core.control.transfer(actor, heldId, activeId, party.lineNumber);
      }
      finish('200 OK');
    } catch (err) {
      sw.log.info({ err, call: call.id }, 'b2bua: a transfer from the phone failed');
      finish(failure(err));
    } finally {
      leg.onTransferred = undefined;
    }
  }

  /** The core id of `party`'s other call whose dialog `r` names (undefined: no such dialog at that phone). */
  private async consultation(call: DialogCall, party: CallParty, r: Replaces): Promise<string | undefined> {
    const other = this.o.callOf(r.callId);
    const there = other && other !== call ? other.partyOnDialog(r) : undefined;
    if (!other || !there || !isPartyOf(party, there)) return undefined;
    return this.o.sink.coreId(other.id);
  }
}
