import type { Feature } from './feature.js';

/**
 * Keeps the core's read caches (`read-cache.ts`) true across the cluster: each node drops what it
 * cached of a tenant, user, device, line, call settings, trunks, federation trust, avatar, a
 * conversation's members (what a send reads) or a pair's 1:1 when another node (or this one) says
 * it changed.
 */
export const readCacheInvalidation: Feature = {
  name: 'read-cache-invalidation',
  setup: (ctx) => {
    const { tenants, users, devices, lines, forwarding, trunks, federation, avatars, messaging } = ctx.core;
    const sendViews = messaging.sender.views;
    const tenantGone = (tenantId: string) => {
      tenants.forget();
      users.forget(tenantId);
      devices.forget(tenantId);
      lines.forget(tenantId);
      forwarding.forget(tenantId);
      trunks.forget();
      federation.forget(tenantId);
      avatars.forget(tenantId);
      sendViews.forget(tenantId);
      messaging.conversations.forget(tenantId);
    };
    const userChanged = (e: { tenantId: string; userId: string }) => {
      users.forget(e.tenantId, e.userId);
      devices.forget(e.tenantId, e.userId);
      lines.forget(e.tenantId, e.userId);
      forwarding.forget(e.tenantId, e.userId);
      avatars.forget(e.tenantId, e.userId);
      sendViews.forget(e.tenantId, e.userId);
      messaging.conversations.forget(e.tenantId, e.userId);
    };
    ctx.subscribe('tenant.updated', () => tenants.forget());
    ctx.subscribe('tenant.deleted', (e) => tenantGone(e.tenantId));
    ctx.subscribe('user.updated', userChanged);
    ctx.subscribe('user.deleted', userChanged);
    ctx.subscribe('device.changed', (e) => devices.forget(e.tenantId, e.userId));
    ctx.subscribe('callsettings.changed', (e) => forwarding.forget(e.tenantId, e.userId));
    ctx.subscribe('trunk.changed', () => trunks.forget());
    ctx.subscribe('federation.changed', (e) => federation.forget(e.tenantId));
    ctx.subscribe('avatar.changed', (e) => avatars.forget(e.tenantId, e.userId));
    // Every membership change tells the members (`updated`) and whoever left (`removed`).
    ctx.subscribe('conversation.updated', (e) => sendViews.forgetConversation(e.tenantId, e.conversation.id));
    ctx.subscribe('conversation.removed', (e) => sendViews.forgetConversation(e.tenantId, e.conversationId));
    ctx.subscribe('line.changed', (e) => {
      lines.forget(e.tenantId, e.userId);
      devices.forget(e.tenantId, e.userId);
    });
  },
};
