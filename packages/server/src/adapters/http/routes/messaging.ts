import type { Core } from '../../../core/index.js';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { Principal } from '../../../core/sessions/service.js';
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

export const messagingHandlers = (core: Core): Handlers<MessagingRoute> => {
  const { messaging } = core;
  const conversations = messaging.conversations;
  return {
    'conversations.list': async ({ principal, query }) => ({
      conversations: await conversations.list(caller(principal), query),
    }),
    'conversations.create': async ({ principal, body }) => conversations.create(caller(principal), body),
    'conversations.get': async ({ principal, params }) => conversations.get(caller(principal), params.id),
    'conversations.update': async ({ principal, params, body }) =>
      conversations.update(caller(principal), params.id, body),
    'conversations.members.add': async ({ principal, params, body }) =>
      conversations.addMembers(caller(principal), params.id, body.members),
    'conversations.members.role': async ({ principal, params, body }) =>
      conversations.setRole(caller(principal), params.id, params.userId, body.role),
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
    'messages.list': async ({ principal, params, query }) => messaging.history(caller(principal), params.id, query),
    'messages.send': async ({ principal, params, body }) => messaging.send(caller(principal), params.id, body),
    'messages.edit': async ({ principal, params, body }) =>
      messaging.edit(caller(principal), params.id, params.messageId, body.text),
    'messages.delete': async ({ principal, params }) =>
      messaging.remove(caller(principal), params.id, params.messageId),
    'messages.react': async ({ principal, params }) =>
      messaging.react(caller(principal), params.id, params.messageId, params.emoji, true),
    'messages.unreact': async ({ principal, params }) =>
      messaging.react(caller(principal), params.id, params.messageId, params.emoji, false),
    'messages.search': async ({ principal, query }) => ({
      messages: await messaging.search(caller(principal), query.q, query.limit),
    }),
    'messages.changes': async ({ principal, query }) => messaging.changes(caller(principal), query.since, query.limit),
  };
};
