import type { Kysely } from 'kysely';
import type { Database, DevicesTable } from '../../platform/store/schema.js';
import type { Device, DeviceCredentials, DeviceDigests } from './model.js';

const view = (r: DevicesTable): Device => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  name: r.name,
  username: r.sip_username,
  realm: r.realm,
  createdAt: r.created_at,
  rotatedAt: r.rotated_at,
  lineId: r.line_id,
});

/** SIP devices of a tenant's users. Every method takes the tenant id; no query crosses tenants. */
export class DeviceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: Device, digests: DeviceDigests): Promise<void> {
    await this.db
      .insertInto('devices')
      .values({
        id: d.id,
        tenant_id: d.tenantId,
        user_id: d.userId,
        name: d.name,
        sip_username: d.username,
        realm: d.realm,
        ha1_md5: digests.ha1Md5,
        ha1_sha256: digests.ha1Sha256,
        created_at: d.createdAt,
        rotated_at: d.rotatedAt,
        line_id: d.lineId,
      })
      .execute();
  }

  /** A user's devices, oldest first. */
  async list(tenantId: string, userId: string): Promise<Device[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(view);
  }

  /** The devices that ring for a line of `userId`: those bound to it and those bound to no line. */
  async ofLine(tenantId: string, userId: string, lineId: string): Promise<Device[]> {
    const rows = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('line_id', '=', lineId), eb('line_id', 'is', null)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(view);
  }

  async get(tenantId: string, userId: string, id: string): Promise<Device | undefined> {
    const r = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && view(r);
  }

  /** Replaces the digests (a new secret); false when the user has no such device. */
  async setDigests(
    tenantId: string,
    userId: string,
    id: string,
    digests: DeviceDigests,
    now: number,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('devices')
      .set({ ha1_md5: digests.ha1Md5, ha1_sha256: digests.ha1Sha256, rotated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async delete(tenantId: string, userId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('devices')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** The digests of the device registering as `username` in the tenant. */
  async credentials(tenantId: string, username: string): Promise<DeviceCredentials | undefined> {
    const r = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('sip_username', '=', username)
      .executeTakeFirst();
    return (
      r && {
        deviceId: r.id,
        userId: r.user_id,
        username: r.sip_username,
        realm: r.realm,
        ha1Md5: r.ha1_md5,
        ha1Sha256: r.ha1_sha256,
      }
    );
  }
}
