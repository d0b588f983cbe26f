// Members of other servers in rooms, in a cluster: the node that took a remote member's join holds
// their occupancy (ModuleContext.holdings: one node at a time). What their server sends to the room
// over a stream to another node — a groupchat message, a leave, a self-ping, the join again — is
// relayed to the holding node and handled there as if it had arrived there, so the room has one
// occupant for them, on the node that renders the room to them.
import { randomUUID } from 'node:crypto';
import { formatJid, type Jid, parseJid } from '../../../lib/jid.js';
import type { Logger } from '../../../platform/log.js';
import type { Held, Holdings, Inbound, ModuleContext } from '../module.js';
import type { XmlElement } from '../xml/element.js';
import type { Occupant } from './muc-occupants.js';
import { memberOf, type Target } from './muc-target.js';

/** The cluster's holdings of remote members' occupancies, each by its room and full JID. */
const MUC_OCCUPANT_KIND = 'xmpp-muc-occupant';

const addressOf = (conversationId: string, jid: Jid) => `${conversationId} ${formatJid(jid)}`;

/** A stanza relayed from another node, as the inbound it was there. */
function inboundOf(stanza: XmlElement): Inbound | undefined {
  const from = parseJid(stanza.attrs.from ?? '');
  const to = parseJid(stanza.attrs.to ?? '');
  return from && to ? { stanza, from, to } : undefined;
}

export class RemoteOccupancy {
  private readonly holdings: Holdings;
  private readonly log: Logger;

  /** `handle` takes a stanza relayed here as the module takes one that arrived here (never relaying it on). */
  constructor(
    ctx: ModuleContext,
    private readonly handle: (inbound: Inbound) => Promise<unknown>,
  ) {
    this.holdings = ctx.holdings(MUC_OCCUPANT_KIND);
    this.log = ctx.log;
  }

  /**
   * Relays a remote member's stanza to the room to the node holding their occupancy (from this
   * full JID); whether another node holds it.
   */
  forward(t: Target): Promise<boolean> {
    const { caller, id } = t;
    if (!t.external || !caller || id === null) return Promise.resolve(false);
    const { stanza, from } = t.inbound;
    const relayed = stanza.withAttrs({ from: formatJid(from) });
    return this.holdings.relay(caller.tenantId, caller.userId, addressOf(id, from), relayed);
  }

  /**
   * Holds a remote member's new occupant on this node; false when another node holds that
   * occupancy (it took the join meanwhile). `drop` ends the occupant here if another node takes it.
   * When the cluster cannot record it, the occupant stays this node's alone (what reaches another
   * node for it is refused there as from someone not joined).
   */
  async hold(t: Target, o: Occupant, drop: () => void): Promise<boolean> {
    const caller = memberOf(t);
    const held: Held = {
      tenantId: caller.tenantId,
      owner: caller.userId,
      address: addressOf(t.id as string, o.jid),
      id: randomUUID(),
      send: (stanza) => {
        const inbound = inboundOf(stanza);
        if (inbound) void this.handle(inbound);
        return inbound !== undefined;
      },
      lost: drop,
    };
    try {
      if (!(await this.holdings.claim(held))) return false;
      o.release = () => void this.holdings.release(held);
    } catch (err) {
      this.log.warn({ err }, "a remote member's occupancy could not be recorded in the cluster");
    }
    return true;
  }
}
