// Presence subscriptions (RFC 6121 §3): subscribe, subscribed, unsubscribe, unsubscribed between a
// user here and any JID. Colleagues (same tenant) see each other through the core's relation: their
// subscription is always `both`, so a request between them is approved at once and a cancellation
// changes nothing. Everyone else follows RFC 6121 through `core/roster` (Appendix A); a contact
// on this server is updated here directly, one elsewhere gets the stanza through `ctx.route`. A
// request from a user of another server whose domain the tenant trusts (`core.federation`) is
// approved without asking the user; a blocked domain's stanzas never get here (`blocking.ts`).
import type { Presence } from '../../../core/presence/aggregate.js';
import type { Subscription, SubscriptionKind } from '../../../core/roster/subscription.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { bareJid, type Jid, parseJid } from '../../../lib/jid.js';
import type { C2sSession, Inbound, ModuleContext, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { localUser, watcherFor } from './local.js';
import { renderPresence, XMPP_TIME_ZONE } from './presence-render.js';

const KINDS: ReadonlySet<string> = new Set(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);
const STATUS_MAX = 1023;

export const isSubscription = (type: string | undefined): type is SubscriptionKind =>
  type !== undefined && KINDS.has(type);

/** Whether presence flows `to` the user or `from` them with this subscription. */
export const sees = (s: Subscription, way: 'to' | 'from') => s === way || s === 'both';

const colleagues = (a: User, b: User | undefined): b is User => b !== undefined && a.tenantId === b.tenantId;

/** A user's presence (as the addressee may see it) to a contact's bare JID: no session, so no language of its own. */
export async function presenceTo(
  ctx: ModuleContext,
  of: { tenantId: string; userId: string; user: string },
  to: string,
  seen: Presence,
): Promise<XmlElement> {
  const photo = await ctx.core.avatars.hash(of.tenantId, of.userId);
  return renderPresence(seen, {
    from: of.user,
    to,
    lang: 'en',
    timeZone: XMPP_TIME_ZONE,
    now: ctx.core.ctx.clock.now(),
    photo,
  });
}

/** `user`'s presence as `to` (a bare JID) may see it, sent to wherever `to` is. */
export async function sendPresence(ctx: ModuleContext, user: User, to: Jid): Promise<void> {
  const seen = await ctx.core.presence.view(user.tenantId, user.id, await watcherFor(ctx.core, to));
  ctx.route(
    await presenceTo(ctx, { tenantId: user.tenantId, userId: user.id, user: addressOf(user) }, bareJid(to), seen),
  );
}

const stanza = (from: string, to: string, kind: SubscriptionKind, status?: string | null) =>
  x('presence', { from, to, type: kind }, status ? x('status', {}, status) : null);

/**
 * A subscription stanza from `from` (bare JID) reached `user` of this server: the user's side of
 * the state changes as RFC 6121 A.3 says; the stanza goes to the user's resources when it changed
 * something; a request from someone who already has a subscription is approved at once.
 */
async function received(
  ctx: ModuleContext,
  user: User,
  from: Jid,
  kind: SubscriptionKind,
  status: string | null,
): Promise<void> {
  const sender = await localUser(ctx.core, from);
  if (colleagues(user, sender)) {
    if (kind === 'subscribe') {
      ctx.route(stanza(addressOf(user), bareJid(from), 'subscribed'));
      await sendPresence(ctx, user, from);
    }
    return;
  }
  const r = await ctx.core.roster.inbound(user.tenantId, user.id, bareJid(from), kind, status);
  // A user of a domain the tenant trusts is approved without asking (a pre-approval, §3.4).
  if (r.changed && kind === 'subscribe' && !sender) {
    if (await ctx.core.federation.subscribesWithoutApproval(user.tenantId, from.domain)) {
      await send(ctx, user, from, 'subscribed');
      return;
    }
  }
  if (r.forward) ctx.route(stanza(bareJid(from), addressOf(user), kind, status));
  // The contact no longer sees the user: the user is unavailable to them (RFC 6121 §3.3.3).
  if (r.changed && kind === 'unsubscribe' && !sees(r.state.subscription, 'from')) {
    ctx.route(x('presence', { from: addressOf(user), to: bareJid(from), type: 'unavailable' }));
  }
  if (r.reply) {
    await deliver(ctx, user, from, 'subscribed');
    await sendPresence(ctx, user, from);
  }
}

/**
 * `user` sends a subscription stanza to `to`: their side changes (RFC 6121 A.2) and the stanza goes
 * on when the RFC says so. Approving sends the user's presence; cancelling a subscription from the
 * contact sends them `unavailable` (§3.1.5, §3.2.2).
 */
export async function send(
  ctx: ModuleContext,
  user: User,
  to: Jid,
  kind: SubscriptionKind,
  status: string | null = null,
): Promise<void> {
  const target = bareJid(to);
  const contact = await localUser(ctx.core, to);
  if (colleagues(user, contact)) {
    if (kind === 'subscribe') {
      ctx.route(stanza(target, addressOf(user), 'subscribed'));
      await sendPresence(ctx, contact, parseJid(addressOf(user)) as Jid);
    }
    return;
  }
  const r = await ctx.core.roster.outbound(user.tenantId, user.id, target, kind);
  if (!r.forward) return;
  await deliver(ctx, user, to, kind, status);
  if (r.changed && kind === 'subscribed') await sendPresence(ctx, user, to);
  if (r.changed && kind === 'unsubscribed')
    ctx.route(x('presence', { from: addressOf(user), to: target, type: 'unavailable' }));
}

/**
 * Hands `user`'s subscription stanza to `to` without changing the user's side (already done, or
 * gone with a removed roster item): a contact here has it applied to their side, one elsewhere
 * gets it through the router.
 */
export async function deliver(
  ctx: ModuleContext,
  user: User,
  to: Jid,
  kind: SubscriptionKind,
  status: string | null = null,
): Promise<void> {
  const contact = await localUser(ctx.core, to);
  if (contact) await received(ctx, contact, parseJid(addressOf(user)) as Jid, kind, status);
  else ctx.route(stanza(addressOf(user), bareJid(to), kind, status));
}

/** Inbound subscription requests the user has not answered, sent to a session at its initial presence. */
async function redeliver(ctx: ModuleContext, session: C2sSession): Promise<void> {
  for (const p of await ctx.core.roster.pendingRequests(session.tenantId, session.user.id)) {
    session.send(stanza(p.jid, addressOf(session.user), 'subscribe', p.pendingStatus));
  }
}

const REDELIVERED = 'subscriptions';

export function subscriptionsModule(): XmppModule {
  let ctx: ModuleContext | undefined;
  return {
    name: 'subscriptions',
    start(c) {
      ctx = c;
      return undefined;
    },
    async handle(inbound: Inbound) {
      const { stanza: s, session } = inbound;
      if (!ctx || s.name !== 'presence') return false;
      const type = s.attrs.type;
      if (session && inbound.to === null && type === undefined && !session.data.has(REDELIVERED)) {
        // Initial presence: the presence module takes it too (RFC 6121 §3.1.3 redelivery first).
        session.data.set(REDELIVERED, true);
        await redeliver(ctx, session);
        return false;
      }
      if (!isSubscription(type) || inbound.to === null || inbound.to.local === null) return false;
      const status = s.childText('status')?.slice(0, STATUS_MAX) ?? null;
      if (session) {
        await send(ctx, session.user, inbound.to, type, status);
        return true;
      }
      const user = await localUser(ctx.core, inbound.to);
      if (user) await received(ctx, user, inbound.from, type, status);
      return true;
    },
  };
}
