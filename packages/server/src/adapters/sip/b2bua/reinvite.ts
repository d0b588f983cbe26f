// A re-INVITE of ours in one leg's dialog (RFC 3261 §14.1): the controller's step of RFC 3725.
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Leg } from './leg.js';
import type { Body } from './parts.js';
import type { Switch } from './types.js';

/** The 2xx of a re-INVITE and the function that sends its ACK (with the answer to a late offer). */
export interface Reinvited {
  response: SipResponse;
  ack: (answer?: Body) => void;
}

/**
 * Sends `leg` a re-INVITE (with `offer`, or without: its 2xx brings the device's offer); resolves
 * with the 2xx, or undefined when the device refused it. A retransmitted 2xx gets the ACK again.
 */
export function reinviteLeg(sw: Switch, leg: Leg, offer?: Body): Promise<Reinvited | undefined> {
  return new Promise((resolve) => {
    let ack: SipRequest | undefined;
    let settled = false;
    sw.sendRequest(leg.request('INVITE', offer ?? {}), leg.flow, (r) => {
      if (r.status < 200) return;
      if (ack) {
        sw.send(ack, leg.flow);
        return;
      }
      if (settled) return;
      settled = true;
      if (r.status >= 300) {
        resolve(undefined);
        return;
      }
      leg.refresh(r);
      resolve({
        response: r,
        ack: (answer) => {
          ack = leg.request('ACK', { seq: r.cseq.seq, ...answer });
          sw.send(ack, leg.flow);
        },
      });
    });
  });
}
