import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unsafeCharacter } from '@parley/api';
import type { CoreContext } from '../context.js';
import { conflict, forbidden, invalid, notFound, ParleyError } from '../errors.js';
import type { Caller, ConversationService } from './conversations.js';
import { checkShareToken, readSlotToken, type SlotGrant, shareToken, slotToken } from './file-links.js';
import type { Attachment } from './model.js';

export interface AttachmentOptions {
  /** Folder the bytes live in, one sub-folder per tenant. */
  dir: string;
  maxBytes: number;
  /** Accepted media types; `type/*` accepts a whole top-level type. */
  types: string[];
  /** Bytes one user's uploads may take, in MiB. */
  userQuotaMegabytes: number;
  /** Bytes one tenant's uploads may take, in MiB. */
  tenantQuotaMegabytes: number;
  /** Uploads not sent within this many hours are purged. */
  unsentHours: number;
}

const MIB = 1024 * 1024;
/** How long an upload slot (XEP-0363) may be used. */
export const SLOT_TTL_MS = 5 * 60_000;
/** Unsent uploads removed per housekeeping round, so one round never holds the store for long. */
const PURGE_BATCH = 500;

/** The bare media type of a Content-Type header, lower case, without parameters. */
export const mediaType = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Attachment bytes on disk, their metadata in the store. */
export class AttachmentService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly conversations: ConversationService,
    readonly options: AttachmentOptions,
    /** The key of links that work without a login (upload slots, shared files), the same on every node. */
    private readonly linkKey: () => Promise<Buffer>,
  ) {}

  /** 415 unless the media type is accepted. Checked before the body is read. */
  checkType(contentType: string | undefined): string {
    const type = mediaType(contentType);
    const ok = this.options.types.some((t) => (t.endsWith('/*') ? type.startsWith(t.slice(0, -1)) : t === type));
    if (!type || !ok) {
      throw new ParleyError(
        'PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE',
        `Attachments of type ${type || '(none)'} are not accepted; accepted: ${this.options.types.join(', ')}`,
      );
    }
    return type;
  }

  /** 413 above the configured size. */
  checkSize(bytes: number): void {
    if (bytes > this.options.maxBytes) {
      throw new ParleyError('PARLEY_ERR_BODY_TOO_LARGE', `Attachments may be at most ${this.options.maxBytes} bytes`);
    }
  }

  /**
   * 413 PARLEY_ERR_QUOTA_EXCEEDED when `bytes` more would take the caller or their tenant over
   * their quota. Checked with the declared length before the body is read and with the real size
   * before it is stored; uploads running at the same time may together overshoot by their sizes.
   */
  async checkQuota(caller: Caller, bytes: number): Promise<void> {
    const used = await this.ctx.store.repos.attachments.usage(caller.tenantId, caller.userId);
    const over = (usedBytes: number, quotaMegabytes: number) => usedBytes + bytes > quotaMegabytes * MIB;
    if (over(used.user, this.options.userQuotaMegabytes)) {
      throw new ParleyError(
        'PARLEY_ERR_QUOTA_EXCEEDED',
        `Your attachments would exceed your quota of ${this.options.userQuotaMegabytes} MiB; delete messages with files or send your pending uploads`,
      );
    }
    if (over(used.tenant, this.options.tenantQuotaMegabytes)) {
      throw new ParleyError(
        'PARLEY_ERR_QUOTA_EXCEEDED',
        `The attachments of your organisation would exceed its quota of ${this.options.tenantQuotaMegabytes} MiB`,
      );
    }
  }

  private path(tenantId: string, id: string) {
    return join(this.options.dir, tenantId, id);
  }

  /** Stores an upload of a member into a conversation; it joins a message when sent with it. */
  async upload(
    caller: Caller,
    conversationId: string,
    file: { name: string; contentType: string | undefined; bytes: Buffer },
  ): Promise<Attachment> {
    await this.conversations.access(caller, conversationId);
    const contentType = this.checkType(file.contentType);
    this.checkSize(file.bytes.length);
    if (file.bytes.length === 0) throw invalid('body', 'the file is empty');
    await this.checkQuota(caller, file.bytes.length);
    return this.store(caller, randomUUID(), conversationId, { ...file, contentType });
  }

  /**
   * Writes the file, then its row (a download finds both or neither). The file is created
   * exclusively, so a second upload to the same id (a replayed slot) is a conflict.
   */
  private async store(
    caller: Caller,
    id: string,
    conversationId: string | null,
    file: { name: string; contentType: string; bytes: Buffer },
  ): Promise<Attachment> {
    const a: Attachment = {
      id,
      tenantId: caller.tenantId,
      conversationId,
      messageId: null,
      uploaderId: caller.userId,
      name: file.name,
      contentType: file.contentType,
      size: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      createdAt: this.ctx.clock.now(),
    };
    const path = this.path(caller.tenantId, a.id);
    await mkdir(join(this.options.dir, caller.tenantId), { recursive: true, mode: 0o700 });
    try {
      await writeFile(path, file.bytes, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw conflict('this upload slot was used already');
      await rm(path, { force: true });
      throw err;
    }
    try {
      await this.ctx.store.repos.attachments.insert(a);
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return a;
  }

  /**
   * A slot for one upload not tied to a conversation yet (XEP-0363): refused as an upload of that
   * size and type would be; the upload becomes an attachment when sent with a message (and is
   * purged like any unsent upload otherwise). Returns the grant, its token and the file's share token.
   */
  async requestSlot(
    caller: Caller,
    file: { name: string; size: number; contentType: string | undefined },
  ): Promise<{ grant: SlotGrant; token: string; share: string }> {
    const name = file.name.trim();
    if (name === '' || name.length > 255 || unsafeCharacter(name, 'line') !== null) {
      throw invalid('filename', 'a file name of 1 to 255 characters without control characters');
    }
    if (!Number.isSafeInteger(file.size) || file.size <= 0) throw invalid('size', 'a positive number of bytes');
    this.checkSize(file.size);
    const contentType = this.checkType(file.contentType);
    await this.checkQuota(caller, file.size);
    const grant: SlotGrant = {
      tenantId: caller.tenantId,
      id: randomUUID(),
      name,
      uploaderId: caller.userId,
      size: file.size,
      contentType,
      expiresAt: this.ctx.clock.now() + SLOT_TTL_MS,
    };
    const key = await this.linkKey();
    return { grant, token: slotToken(key, grant), share: shareToken(key, grant.tenantId, grant.id) };
  }

  /**
   * The grant of a slot token for an upload of `declared` length and type: checked before the
   * body is read. 403 for a token this server did not issue for this file or one expired, 415 for
   * another type, 400 for another size, 409 for a slot used already, 413 when over quota now.
   */
  async slotGrant(
    at: { tenantId: string; id: string; name: string },
    token: string,
    declared: { contentType: string | undefined; length: number | undefined },
  ): Promise<SlotGrant> {
    const grant = readSlotToken(await this.linkKey(), { ...at, now: this.ctx.clock.now() }, token);
    if (grant === 'invalid') throw forbidden('this upload slot is not valid for this file');
    if (grant === 'expired') throw forbidden('this upload slot has expired; request a new one');
    if (mediaType(declared.contentType) !== grant.contentType) {
      throw new ParleyError('PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE', `this upload slot is for ${grant.contentType}`);
    }
    if (declared.length !== undefined && declared.length !== grant.size) {
      throw invalid('content-length', `this upload slot is for exactly ${grant.size} bytes`);
    }
    if (await this.ctx.store.repos.attachments.get(grant.tenantId, grant.id)) {
      throw conflict('this upload slot was used already');
    }
    return grant;
  }

  /** Stores the upload a slot granted (see `slotGrant`), not tied to a conversation yet. */
  async uploadToSlot(grant: SlotGrant, bytes: Buffer): Promise<Attachment> {
    if (bytes.length !== grant.size) throw invalid('body', `this upload slot is for exactly ${grant.size} bytes`);
    const caller = { tenantId: grant.tenantId, userId: grant.uploaderId };
    await this.checkQuota(caller, bytes.length);
    return this.store(caller, grant.id, null, { name: grant.name, contentType: grant.contentType, bytes });
  }

  /** The token of a link that downloads the file without a login (see `openShared`). */
  async shareToken(a: { tenantId: string; id: string }): Promise<string> {
    return shareToken(await this.linkKey(), a.tenantId, a.id);
  }

  /** An attachment by a share token; 404 for a wrong token as for a file that is gone. */
  async openShared(tenantId: string, id: string, token: string): Promise<{ attachment: Attachment; path: string }> {
    const a =
      checkShareToken(await this.linkKey(), tenantId, id, token) &&
      (await this.ctx.store.repos.attachments.get(tenantId, id));
    if (!a) throw notFound('file');
    return { attachment: a, path: this.path(tenantId, id) };
  }

  /**
   * Metadata and file path of an attachment the caller may read: one linked to a message of a
   * conversation they are a member of, or their own upload.
   */
  async open(caller: Caller, id: string): Promise<{ attachment: Attachment; path: string }> {
    const a = await this.ctx.store.repos.attachments.get(caller.tenantId, id);
    if (!a || (a.messageId === null && a.uploaderId !== caller.userId)) throw notFound('attachment');
    // An upload not sent yet to any conversation is its uploader's alone.
    if (a.conversationId !== null) {
      await this.conversations.access(caller, a.conversationId).catch(() => {
        throw notFound('attachment');
      });
    }
    return { attachment: a, path: this.path(caller.tenantId, a.id) };
  }

  /** How long an upload may wait to be sent (`unsentHours`). */
  get unsentMs(): number {
    return this.options.unsentHours * 3_600_000;
  }

  /** Removes the files of attachments whose rows are gone; a file already missing is no error. */
  async removeFiles(tenantId: string, ids: string[]): Promise<void> {
    for (const id of ids) await rm(this.path(tenantId, id), { force: true });
  }

  /**
   * Deletes uploads never sent with a message within `unsentHours` (row first, so downloads end at
   * once, then the file); one that is sent meanwhile is kept. Returns how many were removed.
   */
  async purgeUnsent(): Promise<number> {
    const repo = this.ctx.store.repos.attachments;
    const before = this.ctx.clock.now() - this.unsentMs;
    let removed = 0;
    for (const { tenantId, id } of await repo.unsentBefore(before, PURGE_BATCH)) {
      if (!(await repo.deleteUnsent(tenantId, id))) continue;
      await this.removeFiles(tenantId, [id]);
      removed++;
    }
    return removed;
  }

  /**
   * Deletes files that have no row: left by a process that died between deleting a row and its
   * file, or while writing one. Only files older than `unsentHours` are looked at, as an
   * upload writes its file before its row. Returns how many were removed.
   */
  async sweepOrphans(): Promise<number> {
    const before = this.ctx.clock.now() - this.unsentMs;
    let removed = 0;
    for (const tenantId of await readdir(this.options.dir).catch(() => [] as string[])) {
      const folder = join(this.options.dir, tenantId);
      const old: string[] = [];
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        const info = await stat(join(folder, name)).catch(() => null);
        if (info?.isFile() && info.mtimeMs < before) old.push(name);
      }
      for (let i = 0; i < old.length; i += PURGE_BATCH) {
        const batch = old.slice(i, i + PURGE_BATCH);
        const kept = await this.ctx.store.repos.attachments.existing(tenantId, batch);
        for (const name of batch.filter((n) => !kept.has(n))) {
          await rm(join(folder, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
