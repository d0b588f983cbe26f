// vCard (XEP-0054) from the user record: FN and N from the display name, EMAIL, TEL per number,
// JABBERID, ORG from the tenant's name (the record has no title), PHOTO from the user's avatar
// (whose hash presence carries, XEP-0153). Colleagues get it all; a user of another tenant or
// another server only FN, PHOTO and JABBERID; a blocked one nothing (service-unavailable, as if
// there were no such user). A vCard set is refused (not-allowed): the record and the avatar are
// changed in the web app (or the avatar over XEP-0084, avatar.ts).
import type { Services } from '../../../compose.js';
import { addressOf, type User } from '../../../core/users/model.js';
import { formatJid, type Jid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { IqHandler, ModuleContext, Stop, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { localUser, watcherFor } from './local.js';

export const VCARD_NS = 'vcard-temp';

/** `N` from a display name: the last word as family name, the rest as given names. */
function nameParts(displayName: string): { family: string; given: string } {
  const words = displayName.trim().split(/\s+/);
  const family = words.length > 1 ? (words.pop() as string) : '';
  return { family, given: words.join(' ') };
}

export function vcardOf(
  u: User,
  o: { full: boolean; org: string | null; photo?: { contentType: string; bytes: Buffer } | undefined },
): XmlElement {
  const n = nameParts(u.displayName);
  return x(
    'vCard',
    { xmlns: VCARD_NS },
    x('FN', {}, u.displayName),
    o.full && x('N', {}, x('FAMILY', {}, n.family), x('GIVEN', {}, n.given)),
    o.full && u.email && x('EMAIL', {}, x('INTERNET'), x('PREF'), x('USERID', {}, u.email)),
    o.full && u.numbers.map((num) => x('TEL', {}, x('WORK'), x('VOICE'), x('NUMBER', {}, num))),
    o.full && o.org && x('ORG', {}, x('ORGNAME', {}, o.org)),
    o.photo && x('PHOTO', {}, x('TYPE', {}, o.photo.contentType), x('BINVAL', {}, o.photo.bytes.toString('base64'))),
    x('JABBERID', {}, addressOf(u)),
  );
}

/** The vCard of `target` as `from` may see it; service-unavailable for a blocked asker (XEP-0054 §3.1). */
async function visibleVcard(core: Services, target: User, from: Jid): Promise<XmlElement> {
  const watcher = await watcherFor(core, from);
  const relation = await core.presence.watchers.relation(target.tenantId, watcher, target.id);
  if (relation === 'blocked') throw new StanzaError('service-unavailable');
  const full = relation !== 'external';
  const org = full ? (await core.tenants.get(target.tenantId)).name : null;
  return vcardOf(target, { full, org, photo: await core.avatars.get(target.tenantId, target.id) });
}

export function vcardModule(): XmppModule {
  let ctx: ModuleContext | undefined;
  const core = () => {
    if (!ctx) throw new StanzaError('service-unavailable');
    return ctx.core;
  };

  const get: IqHandler = async ({ session, from }) => {
    if (!session) throw new StanzaError('service-unavailable');
    // The record as it is now (the session's copy is from its login).
    return visibleVcard(core(), await core().users.get(session.tenantId, session.user.id), from);
  };
  const set: IqHandler = () => {
    throw new StanzaError('not-allowed', 'the vCard follows the user record, changed in the web app');
  };

  return {
    name: 'vcard',
    features: [VCARD_NS],
    iq: { [VCARD_NS]: { get, set } },
    start(c): Stop {
      ctx = c;
      return undefined;
    },
    /** A vCard get to another user of this server (their bare JID). */
    async handle({ stanza, from, to, session }) {
      if (stanza.name !== 'iq' || !ctx || to === null || to.resource !== null) return false;
      const payload = stanza.child('vCard', VCARD_NS);
      if (!payload) return false;
      const target = await localUser(ctx.core, to);
      if (!target) return false;
      const reply = (s: XmlElement) => (session ? session.send(s) : ctx?.route(s));
      const addressed = { from: addressOf(target), to: formatJid(from), id: stanza.attrs.id };
      try {
        if (stanza.attrs.type !== 'get') throw new StanzaError('not-allowed');
        reply(x('iq', { ...addressed, type: 'result' }, await visibleVcard(ctx.core, target, from)));
      } catch (err) {
        if (mayReplyWithError(stanza))
          reply(errorReply(stanza.withAttrs({ from: formatJid(from), to: addressOf(target) }), toStanzaError(err)));
      }
      return true;
    },
  };
}
