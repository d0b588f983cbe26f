// SIMPLE (issue 13): presence and dialog event packages, PUBLISH, message-summary — pure pieces the
// SIP dialog layer wires to the core.
export {
  DIALOG_INFO_CONTENT_TYPE,
  type DialogEvent,
  type DialogInfoOptions,
  type DialogParty,
  type DialogState,
  dialogChanges,
  type LineDialog,
  renderDialogInfo,
} from './dialog-info.js';
export {
  MESSAGE_SUMMARY_CONTENT_TYPE,
  type MessageClass,
  type MessageCounts,
  type MessageSummary,
  renderMessageSummary,
} from './message-summary.js';
export { PIDF_CONTENT_TYPE, type PidfOptions, type RpidActivity, renderPidf, rpidActivities } from './pidf.js';
export { type ParsedPidf, PIDF_LIMITS, parsePidf } from './pidf-parse.js';
export {
  DEFAULT_PUBLICATION_POLICY,
  EventStateCompositor,
  type PublicationAction,
  type PublicationPolicy,
  type PublishRequest,
  type PublishResponse,
  type PublishResult,
  publishRequestOf,
} from './publication.js';
export {
  type Authorization,
  authorize,
  changed,
  DEFAULT_SUBSCRIPTION_POLICY,
  type EventPackage,
  eventPackages,
  expire,
  negotiate,
  notifyAnswered,
  packageFormats,
  parseEvent,
  type Refusal,
  refresh,
  type Step,
  type SubscribeRequest,
  type SubscribeResponse,
  type SubscribeStep,
  type Subscription,
  type SubscriptionAction,
  type SubscriptionPolicy,
  type SubscriptionState,
  subscribe,
  subscribeRequestOf,
  subscriptionStateHeader,
  type TerminationReason,
  terminate,
} from './subscription.js';
export { XmlBodyError, type XmlLimits } from './xml.js';
