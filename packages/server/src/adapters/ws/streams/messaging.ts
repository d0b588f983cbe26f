import { conversationInfo, messageView } from '../../views/messaging.js';
import type { EventStream } from './stream.js';

/**
 * Messages, receipts, typing and membership changes of the user's conversations. The core
 * publishes each once per recipient, so a per-user subscription sees exactly the user's own.
 */
export const messagingStream: EventStream = ({ core, principal, send, onClose }) => {
  const { userId } = principal.session;
  const bus = core.ctx.bus;
  const only = { userId };
  onClose(
    bus.subscribe(
      'message.created',
      (e) => send({ type: 'message.created', conversationId: e.conversationId, message: messageView(e.message) }),
      only,
    ),
  );
  onClose(
    bus.subscribe(
      'message.updated',
      (e) => send({ type: 'message.updated', conversationId: e.conversationId, message: messageView(e.message) }),
      only,
    ),
  );
  onClose(
    bus.subscribe(
      'message.receipt',
      (e) =>
        send({
          type: 'receipt',
          conversationId: e.conversationId,
          userId: e.memberId,
          user: e.member,
          deliveredSeq: e.deliveredSeq,
          readSeq: e.readSeq,
        }),
      only,
    ),
  );
  onClose(
    bus.subscribe(
      'message.typing',
      (e) =>
        send({
          type: 'typing',
          conversationId: e.conversationId,
          userId: e.memberId,
          user: e.member,
          typing: e.typing,
        }),
      only,
    ),
  );
  onClose(
    bus.subscribe(
      'conversation.updated',
      (e) => send({ type: 'conversation.updated', conversation: conversationInfo(e.conversation) }),
      only,
    ),
  );
  onClose(
    bus.subscribe(
      'conversation.removed',
      (e) => send({ type: 'conversation.removed', conversationId: e.conversationId }),
      only,
    ),
  );
};
