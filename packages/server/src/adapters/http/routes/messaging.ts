import type { Services } from '../../../compose.js';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { Principal } from '../../../core/sessions/service.js';
import { conversationView, messageView } from '../../views/messaging.js';
import type { Handlers } from '../types.js';

/** The messaging core's view of a signed-in caller. */
export const caller = (p: Principal): Caller => ({ tenantId: p.user.tenantId, userId: p.user.id });

type MessagingRoute =
  | 'conversations.list'
  | 'conversations.create'
  | 'conversations.get'
  | 'conversations.update'
  | 'conversations.members.add'
  | 'conversations.members.role'
  | 'conversations.members.remove'
  | 'conversations.leave'
  | 'conversations.receipts'
  | 'conversations.typing'
  | 'messages.list'
  | 'messages.send'
  | 'messages.edit'
  | 'messages.delete'
  | 'messages.react'
  | 'messages.unreact'
  | 'messages.search'
  | 'messages.changes';

export const messagingHandlers = (core: Services): Handlers<MessagingRoute> => {
  const { messaging } = core;
  const conversations = messaging.conversations;
  return {
    'conversations.list': async ({ principal, query }) => ({
      conversations: (await conversations.list(caller(principal), query)).map(conversationView),
    }),
    'conversations.create': async ({ principal, body }) =>
      conversationView(await conversations.create(caller(principal), body)),
    'conversations.get': async ({ principal, params }) =>
      conversationView(await conversations.get(caller(principal), params.id)),
    'conversations.update': async ({ principal, params, body }) =>
      conversationView(await conversations.update(caller(principal), params.id, body)),
    'conversations.members.add': async ({ principal, params, body }) =>
      conversationView(await conversations.addMembers(caller(principal), params.id, body.members)),
    'conversations.members.role': async ({ principal, params, body }) =>
      conversationView(await conversations.setRole(caller(principal), params.id, params.userId, body.role)),
    'conversations.members.remove': async ({ principal, params }) => {
      await conversations.removeMember(caller(principal), params.id, params.userId);
      return undefined;
    },
    'conversations.leave': async ({ principal, params }) => {
      await conversations.leave(caller(principal), params.id);
      return undefined;
    },
    'conversations.receipts': async ({ principal, params, body }) =>
      messaging.receipt(caller(principal), params.id, body),
    'conversations.typing': async ({ principal, params, body }) => {
      await messaging.typing(caller(principal), params.id, body.typing);
      return undefined;
    },
    'messages.list': async ({ principal, params, query }) => {
      const { messages, hasMore } = await messaging.history(caller(principal), params.id, query);
      return { messages: messages.map(messageView), hasMore };
    },
    'messages.send': async ({ principal, params, body }) =>
      messageView(await messaging.send(caller(principal), params.id, body)),
    'messages.edit': async ({ principal, params, body }) =>
      messageView(await messaging.edit(caller(principal), params.id, params.messageId, body.text)),
    'messages.delete': async ({ principal, params }) =>
      messageView(await messaging.remove(caller(principal), params.id, params.messageId)),
    'messages.react': async ({ principal, params }) =>
      messageView(await messaging.react(caller(principal), params.id, params.messageId, params.emoji, true)),
    'messages.unreact': async ({ principal, params }) =>
      messageView(await messaging.react(caller(principal), params.id, params.messageId, params.emoji, false)),
    'messages.search': async ({ principal, query }) => ({
      messages: (await messaging.search(caller(principal), query.q, query.limit)).map(messageView),
    }),
    'messages.changes': async ({ principal, query }) => {
      const { messages, hasMore, cursor } = await messaging.changes(caller(principal), query.since, query.limit);
      return { messages: messages.map(messageView), hasMore, cursor };
    },
  };
};
