// XEP-0357 push notifications, the client's side: `<enable/>` and `<disable/>` IQs to the
// user's own account store and remove registrations in the core (core/push). Sending the
// notifications to the app servers is a later issue.
import type { Services } from '../../../compose.js';
import { formatJid, parseJid } from '../../../lib/jid.js';
import { StanzaError } from '../errors.js';
import type { IqHandler, ModuleContext, XmppModule } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import { DATA_FORMS } from './disco-info.js';

export const PUSH = 'urn:xmpp:push:0';

/** The fields of a submitted data form but FORM_TYPE, each with its first value (XEP-0357 §5 publish-options). */
export function submittedFields(form: XmlElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of form?.elements('field') ?? []) {
    const name = f.attrs.var;
    if (name !== undefined && name !== 'FORM_TYPE') out[name] = f.childText('value') ?? '';
  }
  return out;
}

/** The app server's JID of an enable/disable: required, valid, in its prepared form. */
function serviceOf(payload: XmlElement): string {
  const jid = parseJid(payload.attrs.jid ?? '');
  if (!jid) throw new StanzaError('bad-request', 'the jid attribute must be the push service address');
  return formatJid(jid);
}

/** Push registrations of the user's clients, kept in the core. */
export class PushModule implements XmppModule {
  readonly name = 'push';
  readonly accountFeatures = [PUSH];
  private core?: Services;

  private readonly set: IqHandler = async ({ session, to, payload }) => {
    if (!session || !this.core || (to !== null && to.local === null)) throw new StanzaError('service-unavailable');
    const owner = { tenantId: session.tenantId, userId: session.user.id };
    const service = serviceOf(payload);
    if (payload.name === 'enable') {
      const node = payload.attrs.node;
      if (!node) throw new StanzaError('bad-request', 'the node attribute is required');
      const options = submittedFields(payload.child('x', DATA_FORMS));
      await this.core.push.enable(owner, { service, node, options });
    } else if (payload.name === 'disable') {
      await this.core.push.disable(owner, service, payload.attrs.node || undefined);
    } else {
      throw new StanzaError('bad-request', `unknown element ${payload.name}`);
    }
    return undefined;
  };

  readonly iq = { [PUSH]: { set: this.set } };

  start(ctx: ModuleContext): undefined {
    this.core = ctx.core;
    return undefined;
  }
}
