import type { ClientEvent } from '@parley/api';
import type { Services } from '../../../compose.js';
import type { Principal } from '../../../core/sessions/service.js';
import type { Unsubscribe } from '../../../platform/bus/bus.js';

/** What a stream of one capability gets for one open event socket. */
export interface StreamContext {
  core: Services;
  principal: Principal;
  /** Pushes an event to this socket. */
  send(event: ClientEvent): void;
  /** Ends the socket because its session is gone (close code 4401). */
  revoke(): void;
  /** Registers cleanup for when the socket closes (bus subscriptions, inputs). */
  onClose(fn: Unsubscribe): void;
}

/**
 * Forwards one capability's core events to an event socket. Each capability has its own file in
 * this folder; `../events.ts` runs them all for every socket.
 */
export type EventStream = (ctx: StreamContext) => void | Promise<void>;
