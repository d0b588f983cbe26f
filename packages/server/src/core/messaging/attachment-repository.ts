import type { Kysely, Selectable } from 'kysely';
import type { AttachmentsTable } from '../../platform/store/messaging-schema.js';
import type { Database } from '../../platform/store/schema.js';
import type { Attachment } from './model.js';

const attachment = (r: Selectable<AttachmentsTable>): Attachment => ({
  id: r.id,
  tenantId: r.tenant_id,
  conversationId: r.conversation_id,
  messageId: r.message_id,
  uploaderId: r.uploader_id,
  name: r.name,
  contentType: r.content_type,
  size: Number(r.size),
  sha256: r.sha256,
  createdAt: r.created_at,
});

/**
 * Attachment metadata of one tenant (the files are in the attachments folder). Every method but
 * housekeeping's `unsentBefore` takes the tenant id.
 */
export class AttachmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(a: Attachment): Promise<void> {
    await this.db
      .insertInto('attachments')
      .values({
        id: a.id,
        tenant_id: a.tenantId,
        conversation_id: a.conversationId,
        message_id: a.messageId,
        uploader_id: a.uploaderId,
        name: a.name,
        content_type: a.contentType,
        size: a.size,
        sha256: a.sha256,
        created_at: a.createdAt,
      })
      .execute();
  }

  async get(tenantId: string, id: string): Promise<Attachment | undefined> {
    const r = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && attachment(r);
  }

  /**
   * Links uploads to a message: only unlinked uploads of this uploader in this conversation or in
   * none yet (which then join it). Returns how many were linked.
   */
  async link(
    tenantId: string,
    ids: string[],
    m: { id: string; conversationId: string; senderId: string },
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.db
      .updateTable('attachments')
      .set({ message_id: m.id, conversation_id: m.conversationId })
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('conversation_id', '=', m.conversationId), eb('conversation_id', 'is', null)]))
      .where('uploader_id', '=', m.senderId)
      .where('message_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Bytes stored by one uploader and by the whole tenant, for the quotas. */
  async usage(tenantId: string, uploaderId: string): Promise<{ user: number; tenant: number }> {
    const r = await this.db
      .selectFrom('attachments')
      .select((eb) => [
        eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('tenant'),
        eb.fn
          .coalesce(
            eb.fn.sum<number>(eb.case().when('uploader_id', '=', uploaderId).then(eb.ref('size')).else(0).end()),
            eb.lit(0),
          )
          .as('user'),
      ])
      .where('tenant_id', '=', tenantId)
      .executeTakeFirstOrThrow();
    return { user: Number(r.user), tenant: Number(r.tenant) };
  }

  /**
   * Uploads of any tenant created before `before` and never sent, oldest first: housekeeping's
   * work list (each is then removed through its own tenant with `deleteUnsent`).
   */
  async unsentBefore(before: number, limit: number): Promise<{ tenantId: string; id: string }[]> {
    const rows = await this.db
      .selectFrom('attachments')
      .select(['tenant_id', 'id'])
      .where('message_id', 'is', null)
      .where('created_at', '<', before)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
  }

  /** Deletes an upload unless it was sent in the meantime; true when it was deleted. */
  async deleteUnsent(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('attachments')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('message_id', 'is', null)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Which of these attachment ids the tenant still has rows for (the sweep of orphaned files). */
  async existing(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('attachments')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  async ofMessages(tenantId: string, messageIds: string[]): Promise<Attachment[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('attachments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('message_id', 'in', messageIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(attachment);
  }
}
