import type { Call, CallParty, ClientEvent, RouteInput, User } from '@parley/api';
import type { ParleyClient } from '../../lib/api.js';
import { Store } from '../../lib/store.js';

/** The call control services on one call (ECMA-269 §17), as the REST API names them. */
export type CallAction =
  | 'calls.answer'
  | 'calls.clear'
  | 'calls.hold'
  | 'calls.retrieve'
  | 'calls.alternate'
  | 'calls.reconnect'
  | 'calls.consult'
  | 'calls.transfer'
  | 'calls.conference'
  | 'calls.deflect'
  | 'calls.digits';

/** What a call control service takes besides the call. */
export type ActionBody<A extends CallAction> = RouteInput<A> extends { body: infer B } ? B : never;

export type CallEvent = Extract<ClientEvent, { call: Call }>;

/** The other end of a call as seen by `me`: the called party when the user called, else the caller. */
export const otherParty = (call: Call, me: User): CallParty =>
  call.caller.userId === me.id ? call.called : call.caller;

/**
 * Who a party is, for a person: the resolved name with the company ("Anna Berger, Muster GmbH"),
 * else the signalled display name, else the number or address. A call's party or a journal entry's
 * other end.
 */
export function partyLabel(party: {
  name: string | null;
  company: string | null;
  display?: string | null;
  number?: string | null;
  line?: string;
  uri?: string | null;
}): string {
  const who = [party.name, party.company].filter(Boolean).join(', ');
  return who || party.display || party.number || party.line || party.uri || '?';
}

/** A call ringing at the user's own phone that someone else placed: the incoming banner's. */
export const isIncoming = (call: Call, me: User): boolean => call.state === 'alerting' && call.caller.userId !== me.id;

/**
 * The user's live calls: loaded from `GET /api/v1/calls`, kept live by the `call.*` events (each
 * carries the whole call as the user sees it) and changed by the call control services. A call
 * leaves the list when it ends or the user's connection leaves it. `failure` is the last refused
 * click-to-call, for the alert that says why.
 */
export class CallsStore {
  readonly calls = new Store<readonly Call[]>([]);
  readonly failure = new Store<unknown>(null);

  constructor(private readonly api: () => ParleyClient) {}

  /** Fetches them; failures (offline) wait for the reconnect. */
  async load(): Promise<void> {
    try {
      this.calls.set((await this.api().request('calls.list', {})).calls);
    } catch {
      // offline: the reconnect loads them again
    }
  }

  apply(e: CallEvent): void {
    this.put(e.call);
  }

  /** MakeCall: rings the user's phone, then `to`. A refusal is kept in `failure` and thrown. */
  async make(to: string): Promise<Call> {
    this.failure.set(null);
    try {
      const call = await this.api().request('calls.make', { body: { to } });
      this.put(call);
      return call;
    } catch (err) {
      this.failure.set(err);
      throw err;
    }
  }

  /** One service on call `id`; the call as it is afterwards replaces the listed one. */
  async act<A extends CallAction>(action: A, id: string, body: ActionBody<A>): Promise<Call> {
    const call = await this.api().request(action, { params: { id }, body } as unknown as RouteInput<A>);
    this.put(call as Call);
    return call as Call;
  }

  dismissFailure(): void {
    this.failure.set(null);
  }

  private put(call: Call): void {
    const gone = call.endedAt !== null || call.state === 'null' || call.state === 'failed';
    this.calls.update((list) => {
      const rest = list.filter((c) => c.id !== call.id);
      if (gone) return rest.length === list.length ? list : rest;
      const at = list.findIndex((c) => c.id === call.id);
      return at < 0 ? [...list, call] : list.map((c) => (c.id === call.id ? call : c));
    });
  }
}
