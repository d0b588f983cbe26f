// Asking a phone to act itself where SIP alone cannot make it (AnswerCall), or where its display
// should show what call control did (hold): uaCSTA (ECMA TR/87) to a phone that accepts CSTA XML,
// the BroadSoft-style NOTIFY (Event: talk, hold) in the call's dialog to one that names those
// event packages in Allow-Events.
import { ParleyError } from '../../../core/errors.js';
import { headerValues, renderUri, type SipRequest } from '../message/index.js';
import type { Seat } from './dialogs.js';
import type { Leg } from './leg.js';
import { eventPackages, type Fork, type ForkTarget } from './parts.js';
import type { Switch } from './types.js';
import { acceptsCsta, deviceIdOf } from './uacsta.js';
import type { UaCstaTarget } from './uacsta-session.js';

/** Sends the BroadSoft NOTIFY `event` in `leg`'s dialog; resolves with the phone's final status. */
export function notifyPhone(sw: Switch, leg: Leg, event: 'talk' | 'hold'): Promise<number> {
  const notify = leg.request('NOTIFY', {
    headers: [
      { name: 'Event', value: event },
      { name: 'Subscription-State', value: 'active' },
    ],
  });
  return new Promise((resolve) =>
    sw.sendRequest(notify, leg.flow, (r) => {
      if (r.status >= 200) resolve(r.status);
    }),
  );
}

/** Where a phone that accepts CSTA XML is reached for a CSTA session: its contact and Route set. */
export interface UaCstaReach {
  contact: string;
  route: string[];
}

/** What a device's request says it offers call control: Allow-Events, and uaCSTA at `leg`'s remote target. */
export const offersOf = (leg: Leg, m: SipRequest): Pick<Seat, 'events' | 'uaCsta'> => ({
  events: eventPackages(m),
  uaCsta: acceptsCsta(m) ? { contact: leg.remoteTarget, route: [] } : undefined,
});

/** What a device to ring registered that it offers call control. */
export const targetOffers = (t: ForkTarget): Pick<Seat, 'events' | 'uaCsta'> => ({
  events: t.events,
  uaCsta: t.uaCsta ? { contact: t.contact, route: t.route } : undefined,
});

/** A fork's phone is reached where its INVITE went. */
const forkReach = (fork: Fork): UaCstaReach => ({
  contact: renderUri(fork.invite.uri),
  route: headerValues(fork.invite.headers, 'Route'),
});

/** The side of the call a fork's device takes when it answers. */
export const forkSeat = (fork: Fork): Seat => ({
  leg: fork.leg,
  party: fork.party,
  events: fork.events,
  uaCsta: fork.uaCsta ? forkReach(fork) : undefined,
});

/** The uaCSTA session's target for the phone at `leg`, and the connection it names: `leg`'s call. */
function uaCstaOf(leg: Leg, reach: UaCstaReach): { target: UaCstaTarget; callId: string; deviceId: string } {
  const deviceId = deviceIdOf(leg.remoteUri);
  const target = {
    ...reach,
    flow: leg.flow,
    to: leg.remoteUri,
    from: `<sip:cti@${deviceId.split('@')[1] ?? 'parley.invalid'}>`,
  };
  return { target, callId: leg.callId, deviceId };
}

/**
 * Asks the phone at `seat` to hold (`hold`) or resume (`talk`) itself: by uaCSTA (HoldCall,
 * RetrieveCall) where it accepts CSTA XML, else (or when that fails) by the BroadSoft NOTIFY where
 * it named the event. True once `did` says its re-INVITE did (`watch` gets the check to run at each
 * hold change of the call, then undefined); false when it offers neither, refused, or did not
 * within 64·T1.
 */
export async function askPhone(
  sw: Switch,
  seat: Seat,
  event: 'hold' | 'talk',
  did: () => boolean,
  watch: (check: (() => void) | undefined) => void,
): Promise<boolean> {
  const { uaCsta } = seat;
  const byCsta = async () => {
    if (!uaCsta) return false;
    const { target, callId, deviceId } = uaCstaOf(seat.leg, uaCsta);
    const service = event === 'hold' ? 'HoldCall' : 'RetrieveCall';
    return sw.uaCsta.request(target, { service, callId, deviceId }).then(
      () => true,
      (err: unknown) => {
        sw.log.warn({ err, callId }, `uaCSTA ${service} failed`);
        return false;
      },
    );
  };
  const byEvent = async () => seat.events?.includes(event) === true && (await notifyPhone(sw, seat.leg, event)) < 300;
  if (!uaCsta && !seat.events?.includes(event)) return false;
  let settle: (ok: boolean) => void = () => undefined;
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => settle(false), 64 * sw.t1);
    settle = (ok) => {
      clearTimeout(timer);
      watch(undefined);
      resolve(ok);
    };
  });
  watch(() => did() && settle(true));
  if (!(await byCsta()) && !(await byEvent())) settle(false);
  return done;
}

/**
 * AnswerCall at a ringing fork: uaCSTA where the phone accepts CSTA XML (the standard way, with a
 * CSTA response), else (or when that fails) the talk event where it named it; a phone that offers
 * neither cannot be answered remotely. Resolves once the phone accepted; its 2xx to the INVITE
 * follows.
 */
export async function answerAtPhone(sw: Switch, fork: Fork): Promise<void> {
  const talk = fork.events.includes('talk');
  if (fork.uaCsta) {
    const { target, callId, deviceId } = uaCstaOf(fork.leg, forkReach(fork));
    try {
      await sw.uaCsta.request(target, { service: 'AnswerCall', callId, deviceId });
      return;
    } catch (err) {
      if (!talk) throw err;
      sw.log.warn({ err, callId }, 'uaCSTA AnswerCall failed; trying the talk event');
    }
  }
  if (!talk)
    throw new ParleyError(
      'PARLEY_ERR_DEVICE_UNSUPPORTED',
      'the device supports neither uaCSTA nor the talk event: it cannot be answered remotely',
    );
  const status = await notifyPhone(sw, fork.leg, 'talk');
  if (status >= 300)
    throw new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', `the device refused the talk event (${status})`);
}
