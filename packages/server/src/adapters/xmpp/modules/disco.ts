// XEP-0030 service discovery for the server's domain and the user's own account, and the
// server's XEP-0115 caps: every module's `features`, `accountFeatures` and `discoItems` in one
// answer. (The MUC service and its rooms answer disco themselves: see muc.ts.)

import { StanzaError } from '../errors.js';
import type { IqHandler, ModuleContext, XmppModule } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import {
  CAPS_NODE,
  capsElement,
  capsVer,
  DISCO_INFO,
  DISCO_ITEMS,
  type DiscoInfo,
  infoQuery,
  itemsQuery,
} from './disco-info.js';

export const SERVER_IDENTITY = { category: 'server', type: 'im', name: 'Parley' } as const;

/** What the server's domain is and does: the features of every module. */
export const serverInfo = (modules: readonly XmppModule[]): DiscoInfo => ({
  identities: [SERVER_IDENTITY],
  features: modules.flatMap((m) => m.features ?? []),
  forms: [],
});

/** What a user's bare JID is and does (answered by the server for the account). */
export const accountInfo = (modules: readonly XmppModule[]): DiscoInfo => ({
  identities: [{ category: 'account', type: 'registered' }, ...modules.flatMap((m) => m.accountIdentities ?? [])],
  features: [DISCO_INFO, ...modules.flatMap((m) => m.accountFeatures ?? [])],
  forms: [],
});

/** The server's `<c/>` (XEP-0115) for its stream features. */
export const serverCaps = (modules: readonly XmppModule[]): XmlElement => capsElement(serverInfo(modules));

/** disco#info of `info` for a query without node or with the caps node `CAPS_NODE#ver`; other nodes: item-not-found. */
function answer(info: DiscoInfo, node: string | undefined): XmlElement {
  if (node === undefined) return infoQuery(info);
  if (node === `${CAPS_NODE}#${capsVer(info)}`) return infoQuery(info, node);
  throw new StanzaError('item-not-found', `no node ${node}`);
}

/** Disco of the server's domain (`to` absent means the sender's own account, RFC 6120 §10.3.3). */
export class DiscoModule implements XmppModule {
  readonly name = 'disco';
  readonly features = [DISCO_INFO, DISCO_ITEMS];
  private modules: readonly XmppModule[] = [];
  private caps: XmlElement | undefined;

  private readonly info: IqHandler = ({ to, payload }) => {
    const account = to === null || to.local !== null;
    return answer(account ? accountInfo(this.modules) : serverInfo(this.modules), payload.attrs.node);
  };

  private readonly items: IqHandler = ({ to, payload }) => {
    if (payload.attrs.node !== undefined) throw new StanzaError('item-not-found', `no node ${payload.attrs.node}`);
    if (to === null || to.local !== null) return itemsQuery([]);
    return itemsQuery(this.modules.flatMap((m) => m.discoItems?.(to.domain) ?? []));
  };

  readonly iq = {
    [DISCO_INFO]: { get: this.info, anyone: true },
    [DISCO_ITEMS]: { get: this.items, anyone: true },
  };

  /** The server's caps (XEP-0115 §6.3) in the features after bind, so a client knows them without asking. */
  streamFeatures(): XmlElement[] {
    this.caps ??= serverCaps(this.modules);
    return [this.caps];
  }

  start(ctx: ModuleContext): undefined {
    this.modules = ctx.modules;
    this.caps = undefined;
    return undefined;
  }
}
