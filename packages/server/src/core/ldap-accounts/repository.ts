import type { Kysely } from 'kysely';
import type { Database } from '../../platform/store/schema.js';

/** The LDAP phone-book account of each tenant: its secret's hash. No query crosses tenants. */
export class LdapAccountRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Sets the tenant's account, replacing the secret of one it had. */
  async put(tenantId: string, secretHash: string, createdAt: number): Promise<void> {
    await this.db
      .insertInto('ldap_accounts')
      .values({ tenant_id: tenantId, secret_hash: secretHash, created_at: createdAt })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ secret_hash: secretHash, created_at: createdAt }))
      .execute();
  }

  async get(tenantId: string): Promise<{ secretHash: string; createdAt: number } | undefined> {
    const r = await this.db
      .selectFrom('ldap_accounts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return r && { secretHash: r.secret_hash, createdAt: r.created_at };
  }

  /** False when the tenant has no account. */
  async remove(tenantId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('ldap_accounts').where('tenant_id', '=', tenantId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
