// The URLs XMPP clients fetch files by (XEP-0363 GET URLs, and the links of files the web app
// sends): `BASE/files/TENANT/ID/TOKEN/NAME` on the HTTP listener, the token the core's share token.
import { attachmentPaths } from '@parley/api';
import type { Caller } from '../../../core/messaging/conversations.js';
import type { Attachment, MessageDetails } from '../../../core/messaging/model.js';
import type { ModuleContext } from '../module.js';

/** A file's link: what `attachmentPaths.file` names, under `base`. */
export function fileUrl(base: string, f: { tenantId: string; id: string; token: string; name: string }): string {
  const path = attachmentPaths.file
    .replace(':tenantId', f.tenantId)
    .replace(':id', f.id)
    .replace(':token', f.token)
    .replace(':name', encodeURIComponent(f.name));
  return `${base}${path}`;
}

/** The file a URL of ours names (`fileUrl` under `base`), or undefined for any other URL. */
export function parseFileUrl(base: string, url: string): { tenantId: string; id: string; token: string } | undefined {
  const prefix = `${base}${attachmentPaths.file.slice(0, attachmentPaths.file.indexOf('/:'))}/`;
  if (!url.startsWith(prefix)) return undefined;
  const [tenantId, id, token, name, ...rest] = url.slice(prefix.length).split('/');
  if (!tenantId || !id || !token || !name || rest.length > 0) return undefined;
  return { tenantId, id, token };
}

/** The links of a message's files, in order. */
export async function fileLinks(ctx: ModuleContext, m: MessageDetails): Promise<string[]> {
  if (m.attachments.length === 0) return [];
  const base = ctx.httpUrl();
  const link = async (a: Attachment) =>
    fileUrl(base, { ...a, token: await ctx.core.messaging.attachments.shareToken(a) });
  return Promise.all(m.attachments.map(link));
}

/**
 * The sender's own unsent upload (XEP-0363) whose link a message carries (as XEP-0066 data, else
 * as its whole body), for 1:1s and rooms alike: it is sent as the message's attachment, the link
 * taken out of the text. A link to any other file stays text.
 */
export async function ownUpload(ctx: ModuleContext, caller: Caller, body: string, oob: string | undefined) {
  const url = oob ?? body.trim();
  const link = parseFileUrl(ctx.httpUrl(), url);
  if (!link || link.tenantId !== caller.tenantId) return undefined;
  const file = await ctx.core.messaging.attachments
    .openShared(link.tenantId, link.id, link.token)
    .catch(() => undefined);
  const a = file?.attachment;
  if (!a || a.uploaderId !== caller.userId || a.messageId !== null) return undefined;
  return { id: a.id, text: body.replace(url, '').trim() };
}
