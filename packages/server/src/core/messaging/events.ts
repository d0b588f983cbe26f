import type { Bus } from '../../platform/bus/bus.js';
import type { EventMap } from '../events.js';
import type { Access } from './conversations.js';

/** Bus payloads of messaging beyond its model (`model.ts`): receipts and typing, one per recipient `userId`. */
export interface MessageReceiptEvent {
  tenantId: string;
  /** The recipient. */
  userId: string;
  conversationId: string;
  /** Whose receipt moved. */
  memberId: string;
  member: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface MessageTypingEvent {
  tenantId: string;
  userId: string;
  conversationId: string;
  memberId: string;
  member: string;
  typing: boolean;
}

/** Publishes `type` once for each current member of `a` (but `except`), addressed to that member. */
export async function toMembers<T extends 'message.created' | 'message.updated' | 'message.receipt' | 'message.typing'>(
  bus: Bus<EventMap>,
  a: Access,
  type: T,
  event: (userId: string) => EventMap[T],
  except?: string,
): Promise<void> {
  for (const m of a.members) {
    if (m.leftAt === null && m.userId !== except) await bus.publish(type, event(m.userId));
  }
}
