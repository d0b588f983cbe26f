// What the switch does with a new call for a user, from their call settings alone: a pure function,
// so the B2BUA, the CSTA adapter and the tests read one rule (docs/call-settings.md).
import type { CallSettings, RouteDecision } from './model.js';

/** A rule's target while the rule is on and has one. */
const target = (rule: { enabled: boolean; to: string | null }) => (rule.enabled ? rule.to : null);

/**
 * In this order: do not disturb refuses the call (486 Busy Here, cause doNotDisturb); immediate
 * forwarding sends it on before anything rings (ECMA-269 §22.2.8 "immediate"); otherwise the user's
 * devices ring, with the remote office number alongside, and the busy and no-answer rules say where
 * the call goes when every device is busy or nobody answers in time. A rule that is on without a
 * target (the service never stores one) counts as off.
 *
 * @example decide(settings) // { kind: 'ring', alsoRing: '+4917012345', onBusy: null, onNoAnswer: { to: '300', afterSeconds: 20 } }
 */
export function decide(settings: CallSettings): RouteDecision {
  if (settings.dnd) return { kind: 'refuse', cause: 'doNotDisturb' };
  const { immediate, busy, noAnswer } = settings.forwarding;
  const forwardTo = target(immediate);
  if (forwardTo !== null) return { kind: 'forward', to: forwardTo, cause: 'callForwardImmediate' };
  const noAnswerTo = target(noAnswer);
  return {
    kind: 'ring',
    alsoRing: settings.remoteOffice.enabled ? settings.remoteOffice.number : null,
    onBusy: target(busy),
    onNoAnswer: noAnswerTo === null ? null : { to: noAnswerTo, afterSeconds: noAnswer.afterSeconds },
  };
}
