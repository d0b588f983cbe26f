// SUBSCRIBE/NOTIFY (RFC 6665) for `presence`, `dialog` and `message-summary`: the pure
// subscription machine wired to the core's watches, a dialog per subscription and the switch's
// transactions. Subscriptions live in memory on the node that accepted them: after a restart a
// phone's refresh gets 481 and it subscribes again (RFC 6665 §4.1.2.2), as phones do.
import type { Services } from '../../../compose.js';
import type { ConnectionDialog } from '../../../core/calls/model.js';
import { offlinePresence, type Presence } from '../../../core/presence/aggregate.js';
import type { PresenceWatch } from '../../../core/presence/watch.js';
import type { Watcher } from '../../../core/presence/watchers.js';
import { addressOf } from '../../../core/users/model.js';
import type { Logger } from '../../../platform/log.js';
import { Leg, ourAddress } from '../b2bua/leg.js';
import type { Switch } from '../b2bua/types.js';
import type { SipFederation } from '../federation/peers.js';
import { senderOf } from '../federation/sender.js';
import {
  renderUri,
  respond,
  type SipHeader,
  SipParseError,
  type SipRequest,
  type SipResponse,
} from '../message/index.js';
import type { DigestOptions } from '../registrar/digest.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { dialogChanges, type LineDialog, renderDialogInfo } from './dialog-info.js';
import { renderMessageSummary } from './message-summary.js';
import { renderPidf } from './pidf.js';
import { type EarlyDialogs, resolveResource, visibleDialogs, type WatchedResource } from './resource.js';
import {
  changed,
  DEFAULT_SUBSCRIPTION_POLICY,
  expire,
  notifyAnswered,
  parseEvent,
  refresh,
  type Step,
  type SubscribeResponse,
  type Subscription,
  type SubscriptionAction,
  type SubscriptionPolicy,
  subscribe,
  subscribeRequestOf,
} from './subscription.js';

export interface NotifierOptions {
  core: Services;
  log: Logger;
  digest: DigestOptions;
  /** Federated domains whose users may watch ours (as externals: availability only). */
  federation: SipFederation;
  /** Sends our NOTIFYs and the responses to SUBSCRIBEs (the call switch does both). */
  sender: Pick<Switch, 'sendRequest' | 'respond'>;
  newTag: () => string;
  policy?: SubscriptionPolicy;
  /** The SIP ids of a ringing line's early dialog where this node switches the call (BLF pickup by Replaces). */
  earlyDialog?: EarlyDialogs;
}

/** The watched state of one subscription: started before the first NOTIFY, rendered for each. */
interface Source {
  start(onChange: () => void): Promise<void>;
  /** The body of a NOTIFY with this version (dialog-info counts them). */
  body(version: number): string;
  close(): void;
}

interface Live {
  key: string;
  leg: Leg;
  sub: Subscription;
  source: Source;
  /** NOTIFYs not sent yet: one is in flight at a time so they arrive in CSeq order. */
  outbox: SipRequest[];
  sending: boolean;
  /** The first NOTIFY is out: changes now send NOTIFYs. */
  ready: boolean;
  timer?: NodeJS.Timeout;
}

const dialogKey = (callId: string, localTag: string, remoteTag: string | undefined) =>
  `${callId}\n${localTag}\n${remoteTag ?? ''}`;

/**
 * The notifier: out-of-dialog SUBSCRIBEs (`subscribe`), refreshes and unsubscribes in their
 * dialog (`inDialog`). The watcher authenticates as one of its tenant's devices (407), or is a
 * user of a federated domain (federation/sender.ts), before anything about the resource is said;
 * it sees what its relation to the watched user allows (a federated watcher: availability only).
 */
export class SimpleNotifier {
  private readonly subs = new Map<string, Live>();
  private readonly policy: SubscriptionPolicy;

  constructor(private readonly o: NotifierOptions) {
    this.policy = o.policy ?? DEFAULT_SUBSCRIPTION_POLICY;
  }

  /** Live subscriptions on this node. */
  get size(): number {
    return this.subs.size;
  }

  private now(): number {
    return this.o.core.ctx.clock.now();
  }

  /**
   * A SUBSCRIBE without To tag: 407 until the watcher proves a device, 404 for an unknown
   * resource, the machine's refusals (489, 423, 406 …), 403 for another user's mailbox; else 200
   * with Expires and Contact, then the first NOTIFY in the new dialog. Answers through the sender.
   */
  async subscribe(request: SipRequest, tx: ServerTransaction<Flow>): Promise<SipResponse | undefined> {
    const { core } = this.o;
    const reply = (status: number, reason: string) => respond(request, status, reason, { toTag: this.o.newTag() });
    const auth = await senderOf(core, this.o.digest, this.o.federation, request, tx.flow, this.o.newTag);
    if (!auth.ok) return auth.response;
    const resource = await resolveResource(core, auth.tenant.id, request.uri);
    if (!resource) return reply(404, 'Not Found');
    const fields = readOrBad(() => subscribeRequestOf(request));
    if (!fields) return reply(400, 'Bad Request');
    const event = parseEvent(fields.event ?? '')?.event;
    if (event === 'message-summary' && (auth.kind !== 'device' || resource.user.id !== auth.user.id))
      return reply(403, 'Forbidden');
    const step = subscribe(fields, this.now(), 'allow', this.policy);
    if (!('actions' in step)) return this.answer(request, step.response, this.o.newTag());
    const source = sourceOf(core, step.subscription.event, auth.tenant.id, auth.watcher, resource, this.o.earlyDialog);
    const leg = Leg.answering(request, tx.flow);
    const live: Live = {
      key: dialogKey(leg.callId, leg.localTag, leg.remoteTag),
      leg,
      sub: step.subscription,
      source,
      outbox: [],
      sending: false,
      ready: false,
    };
    try {
      await source.start(() => {
        if (live.ready && this.subs.get(live.key) === live) this.apply(live, changed(live.sub, this.now()));
      });
    } catch (err) {
      source.close();
      throw err;
    }
    this.subs.set(live.key, live);
    this.o.sender.respond(tx, this.answer(request, step.response, leg.localTag, tx.flow));
    this.apply(live, step);
    live.ready = true;
    return undefined;
  }

  /**
   * A SUBSCRIBE in a subscription's dialog: a refresh (200, a NOTIFY of the full state) or with
   * Expires 0 the end (200, a final NOTIFY `terminated`). An unknown dialog gets 481.
   */
  inDialog(request: SipRequest, tx: ServerTransaction<Flow>): void {
    const { response, after } = this.refreshOf(request, tx.flow);
    this.o.sender.respond(tx, response);
    after?.();
  }

  /** The response to an in-dialog SUBSCRIBE, and what to do once it is sent. */
  private refreshOf(request: SipRequest, flow: Flow): { response: SipResponse; after?: () => void } {
    const toTag = request.to.params.get('tag') ?? '';
    const live = this.subs.get(dialogKey(request.callId, toTag, request.from.params.get('tag') ?? undefined));
    if (!live) return { response: respond(request, 481, 'Subscription Does Not Exist') };
    if (live.leg.remoteSeq !== undefined && request.cseq.seq <= live.leg.remoteSeq) {
      return { response: respond(request, 500, 'Server Internal Error (CSeq out of order)') };
    }
    live.leg.remoteSeq = request.cseq.seq;
    const fields = readOrBad(() => subscribeRequestOf(request));
    if (!fields) return { response: respond(request, 400, 'Bad Request') };
    const contact = request.contact === '*' ? undefined : request.contact?.[0];
    if (contact) live.leg.remoteTarget = renderUri(contact.uri);
    const step = refresh(live.sub, fields, this.now(), this.policy);
    const response = this.answer(request, step.response, toTag, flow);
    return 'actions' in step ? { response, after: () => this.apply(live, step) } : { response };
  }

  /** Ends every subscription's timers and watches (the node stops; phones re-subscribe elsewhere). */
  stop(): void {
    for (const live of this.subs.values()) this.forget(live);
  }

  /** A response from the machine's parts; a 2xx names our Contact (it creates or keeps the dialog). */
  private answer(request: SipRequest, r: SubscribeResponse, toTag: string, flow?: Flow): SipResponse {
    const contact: SipHeader[] = r.status < 300 && flow ? [{ name: 'Contact', value: ourAddress(flow).contact }] : [];
    return respond(request, r.status, r.reason, { toTag, headers: [...r.headers, ...contact] });
  }

  private apply(live: Live, step: Step): void {
    live.sub = step.subscription;
    for (const action of step.actions) {
      if (action.kind === 'notify') this.queue(live, action);
      else if (action.kind === 'deadline') this.arm(live, action.at);
      else this.forget(live);
    }
  }

  private arm(live: Live, at: number): void {
    clearTimeout(live.timer);
    live.timer = setTimeout(
      () => {
        if (this.subs.get(live.key) === live) this.apply(live, expire(live.sub, this.now()));
      },
      Math.max(0, at - this.now()),
    );
    live.timer.unref();
  }

  private forget(live: Live): void {
    clearTimeout(live.timer);
    if (this.subs.get(live.key) === live) this.subs.delete(live.key);
    live.source.close();
  }

  private queue(live: Live, action: Extract<SubscriptionAction, { kind: 'notify' }>): void {
    const { sub } = live;
    const headers: SipHeader[] = [
      { name: 'Event', value: sub.eventId === null ? sub.event : `${sub.event};id=${sub.eventId}` },
      { name: 'Subscription-State', value: action.subscriptionState },
    ];
    let body: Buffer | undefined;
    if (action.body) {
      headers.push({ name: 'Content-Type', value: sub.contentType });
      body = Buffer.from(live.source.body(action.version), 'utf8');
    }
    live.outbox.push(live.leg.request('NOTIFY', { headers, body }));
    this.pump(live);
  }

  /** Sends the next NOTIFY once the previous one is answered; a failure ends the subscription (481, 408 …). */
  private pump(live: Live): void {
    const next = live.sending ? undefined : live.outbox.shift();
    if (!next) return;
    live.sending = true;
    this.o.sender.sendRequest(next, live.leg.flow, (response) => {
      if (response.status < 200) return;
      live.sending = false;
      const step = notifyAnswered(live.sub, response.status);
      if (step.actions.some((a) => a.kind === 'forget')) {
        this.o.log.debug({ callId: live.leg.callId, status: response.status }, 'SIP subscription ended by its NOTIFY');
        live.outbox.length = 0;
        live.sub = step.subscription;
        this.forget(live);
        return;
      }
      this.pump(live);
    });
  }
}

/** The fields of a request, or undefined when a repeated single header makes it a 400. */
function readOrBad<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw err;
  }
}

function sourceOf(
  core: Services,
  event: Subscription['event'],
  tenantId: string,
  watcher: Watcher,
  resource: WatchedResource,
  earlyDialog?: EarlyDialogs,
): Source {
  const w: Watching = { core, tenantId, watcher, resource, now: () => core.ctx.clock.now(), earlyDialog };
  if (event === 'presence') return presenceSource(w);
  if (event === 'dialog') return dialogSource(w);
  const body = renderMessageSummary({ account: resource.entity });
  return { start: async () => {}, body: () => body, close: () => {} };
}

/** Who watches what, for a source. */
interface Watching {
  core: Services;
  tenantId: string;
  watcher: Watcher;
  resource: WatchedResource;
  now: () => number;
  earlyDialog?: EarlyDialogs;
}

/** Bodies rendered lately, by the presence they show: the core hands every watcher of one relation the same object per change. */
const pidfs = new WeakMap<Presence, { entity: string; at: number; body: string }>();

/** The PIDF of `presence`, rendered once per change for all who see the same (its timestamp within a second). */
function pidfOf(presence: Presence, entity: string, now: number): string {
  const cached = pidfs.get(presence);
  if (cached && cached.entity === entity && now - cached.at < 1000) return cached.body;
  const body = renderPidf(presence, { entity, lang: 'en', timeZone: 'UTC', now });
  pidfs.set(presence, { entity, at: now, body });
  return body;
}

/** The watched user's presence as the core's watch hands it to this watcher (already filtered). */
function presenceSource({ core, tenantId, watcher, resource, now }: Watching): Source {
  let presence: Presence = offlinePresence;
  let watch: PresenceWatch | undefined;
  return {
    async start(onChange) {
      watch = core.presence.watch(tenantId, watcher, (seen) => {
        if (seen.userId !== resource.user.id) return;
        presence = seen.presence;
        onChange();
      });
      const [seen] = await watch.snapshot([addressOf(resource.user)]);
      if (seen) presence = seen.presence;
    },
    body: () => pidfOf(presence, resource.entity, now()),
    close: () => watch?.close(),
  };
}

/**
 * The watched user's calls as RFC 4235 full states, each NOTIFY with every dialog now plus those
 * that ended since the last one (as terminated, once); a change the watcher cannot see sends
 * nothing. The watcher's relation is looked up again at each change, so a new block hides the
 * calls from then on.
 */
function dialogSource({ core, tenantId, watcher, resource, now, earlyDialog }: Watching): Source {
  let visible: LineDialog[] = [];
  let sent: LineDialog[] = [];
  let closed = false;
  let calls: { close(): void } | undefined;
  let chain = Promise.resolve();
  const see = async (dialogs: ConnectionDialog[]) => {
    const relation = await core.presence.watchers.relation(tenantId, watcher, resource.user.id);
    visible = visibleDialogs(dialogs, resource.entity, relation, earlyDialog);
  };
  return {
    async start(onChange) {
      const watch = resource.watchCalls((dialogs) => {
        chain = chain
          .then(async () => {
            const before = JSON.stringify(visible);
            await see(dialogs);
            if (!closed && JSON.stringify(visible) !== before) onChange();
          })
          .catch((err: unknown) => core.ctx.log.warn({ err }, 'SIP dialog subscription: a change was not sent'));
      });
      calls = watch;
      await see(watch.dialogs());
    },
    body(version) {
      const gone = dialogChanges(sent, visible).filter((d) => !visible.some((v) => v.id === d.id));
      sent = visible;
      return renderDialogInfo([...visible, ...gone], { entity: resource.entity, version, state: 'full', now: now() });
    },
    close() {
      closed = true;
      calls?.close();
    },
  };
}
