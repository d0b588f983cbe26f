export { ackFor, cancelFor, type InviteClientState, InviteClientTransaction, TIMER_D_MS } from './invite-client.js';
export { type InviteServerState, InviteServerTransaction } from './invite-server.js';
export {
  type ClientTransaction,
  type ServerTransaction,
  Transaction,
  TransactionLayer,
  type TransactionLayerOptions,
  TransactionLimitError,
  type TransactionUser,
} from './layer.js';
export { cancelTargetKey, clientKey, hasCookie, MAGIC_COOKIE, matchesInvite, serverKey } from './matching.js';
export { type NonInviteClientState, NonInviteClientTransaction } from './non-invite-client.js';
export { type NonInviteServerState, NonInviteServerTransaction } from './non-invite-server.js';
export { FakeClock, type Scheduler, type TimerHandle, timerScheduler } from './scheduler.js';
export * from './types.js';
