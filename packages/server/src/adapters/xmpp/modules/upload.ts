// XEP-0363 HTTP File Upload on `upload.DOMAIN`: a user of the tenant asks for a slot and gets a
// PUT URL and a GET URL on the HTTP listener. The core grants the slot (the attachments' types,
// size limit and quotas) and signs it; the HTTP API takes the PUT and serves the GET. The upload
// is not tied to a conversation: it becomes an attachment when the client sends its GET URL in a
// message (chat.ts), and is purged like any unsent upload otherwise.
import { ParleyError } from '../../../core/errors.js';
import type { User } from '../../../core/users/model.js';
import { bareJid, formatJid } from '../../../lib/jid.js';
import { errorReply, mayReplyWithError, StanzaError, toStanzaError } from '../errors.js';
import type { Inbound, ModuleContext, XmppModule } from '../module.js';
import { type XmlElement, x } from '../xml/element.js';
import { DISCO_INFO, DISCO_ITEMS, type DiscoInfo, infoQuery, itemsQuery } from './disco-info.js';
import { fileUrl } from './file-urls.js';

export const UPLOAD_NS = 'urn:xmpp:http:upload:0';
const PREFIX = 'upload.';

/** The service's disco#info (XEP-0363 §3): its identity, feature and largest file. */
export const uploadInfo = (maxBytes: number): DiscoInfo => ({
  identities: [{ category: 'store', type: 'file', name: 'HTTP File Upload' }],
  features: [DISCO_INFO, UPLOAD_NS],
  forms: [{ formType: UPLOAD_NS, fields: [{ var: 'max-file-size', values: [String(maxBytes)] }] }],
});

/** XEP-0363 §4: a file above the limit is not-acceptable with `<file-too-large/>` naming the limit. */
export const fileTooLarge = (text: string, maxBytes: number) =>
  new StanzaError(
    'not-acceptable',
    text,
    'modify',
    x('file-too-large', { xmlns: UPLOAD_NS }, x('max-file-size', {}, String(maxBytes))),
  );

/** The slot (XEP-0363 §3): where to PUT (the slot token in the query) and where the file is then fetched. */
export const slotElement = (put: string, get: string): XmlElement =>
  x('slot', { xmlns: UPLOAD_NS }, x('put', { url: put }), x('get', { url: get }));

export class UploadModule implements XmppModule {
  readonly name = 'upload';
  private ctx: ModuleContext | undefined;

  discoItems(domain: string) {
    return [{ jid: `${PREFIX}${domain}`, name: 'HTTP File Upload' }];
  }

  start(ctx: ModuleContext): undefined {
    this.ctx = ctx;
    return undefined;
  }

  async handle(inbound: Inbound): Promise<boolean> {
    const { ctx } = this;
    const to = inbound.to;
    if (!ctx || !to?.domain.startsWith(PREFIX) || to.local !== null) return false;
    const tenant = await ctx.core.tenants.byDomain(to.domain.slice(PREFIX.length)).catch(() => undefined);
    if (!tenant) return false;
    const { stanza, from, session } = inbound;
    const reply = (s: XmlElement) => (session ? session.send(s) : ctx.route(s));
    try {
      if (stanza.name !== 'iq') {
        if (stanza.name === 'message') throw new StanzaError('service-unavailable');
        return true;
      }
      const payload = stanza.elements()[0];
      const type = stanza.attrs.type;
      if (type === 'result' || type === 'error') return true;
      const user = session?.user ?? (await ctx.core.users.byAddress(bareJid(from)));
      const answer = await this.answer(type, payload, user?.tenantId === tenant.id ? user : undefined);
      reply(x('iq', { type: 'result', id: stanza.attrs.id, from: to.domain, to: formatJid(from) }, answer));
    } catch (err) {
      const e = toStanzaError(err);
      if (e.condition === 'internal-server-error') ctx.log.error({ err }, 'upload stanza failed');
      const s = stanza.withAttrs({ from: formatJid(from) });
      if (mayReplyWithError(s)) reply(errorReply(s, e));
    }
    return true;
  }

  private async answer(type: string | undefined, payload: XmlElement | undefined, user: User | undefined) {
    const attachments = (this.ctx as ModuleContext).core.messaging.attachments;
    const { maxBytes } = attachments.options;
    const disco = type === 'get' && payload?.name === 'query' ? payload.xmlns : undefined;
    if ((disco === DISCO_INFO || disco === DISCO_ITEMS) && payload?.attrs.node !== undefined) {
      throw new StanzaError('item-not-found', `no node ${payload.attrs.node}`);
    }
    if (disco === DISCO_INFO) return infoQuery(uploadInfo(maxBytes));
    if (disco === DISCO_ITEMS) return itemsQuery([]);
    if (type !== 'get' || payload?.name !== 'request' || payload.xmlns !== UPLOAD_NS) {
      throw new StanzaError('service-unavailable');
    }
    if (!user) throw new StanzaError('forbidden', 'only users of this domain may upload here');
    const size = Number(payload.attrs.size);
    try {
      const slot = await attachments.requestSlot(
        { tenantId: user.tenantId, userId: user.id },
        { name: payload.attrs.filename ?? '', size, contentType: payload.attrs['content-type'] },
      );
      const get = fileUrl((this.ctx as ModuleContext).httpUrl(), { ...slot.grant, token: slot.share });
      return slotElement(`${get}?slot=${slot.token}`, get);
    } catch (err) {
      if (err instanceof ParleyError && err.code === 'PARLEY_ERR_BODY_TOO_LARGE')
        throw fileTooLarge(err.message, maxBytes);
      throw err;
    }
  }
}
