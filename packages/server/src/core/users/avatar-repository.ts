import type { Kysely } from 'kysely';
import { prepared } from '../../platform/store/prepared.js';
import type { Database } from '../../platform/store/schema.js';
import type { Avatar } from './avatars.js';

/** A user's avatar hash: read for every user whose presence is rendered (`prepared.ts`). */
const hashOf = prepared((db, p: { tenantId: string; userId: string }) =>
  db.selectFrom('user_avatars').select('sha1').where('tenant_id', '=', p.tenantId).where('user_id', '=', p.userId),
);

/** Users' avatar images (one per user), scoped by tenant. */
export class AvatarRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, userId: string): Promise<Avatar | undefined> {
    const r = await this.db
      .selectFrom('user_avatars')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return (
      r && {
        tenantId: r.tenant_id,
        userId: r.user_id,
        contentType: r.content_type,
        sha1: r.sha1,
        bytes: Buffer.from(r.bytes),
        updatedAt: Number(r.updated_at),
      }
    );
  }

  /** The SHA-1 (hex) of the user's avatar, without its bytes; undefined without one. */
  async sha1(tenantId: string, userId: string): Promise<string | undefined> {
    const [r] = await hashOf.rows(this.db, { tenantId, userId });
    return r?.sha1;
  }

  async put(a: Avatar): Promise<void> {
    const row = { content_type: a.contentType, sha1: a.sha1, bytes: a.bytes, updated_at: a.updatedAt };
    await this.db
      .insertInto('user_avatars')
      .values({ user_id: a.userId, tenant_id: a.tenantId, ...row })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
      .execute();
  }

  /** Whether there was one to delete. */
  async delete(tenantId: string, userId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('user_avatars')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
