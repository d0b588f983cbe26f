import type { Kysely } from 'kysely';
import type { Database, SipTrunksTable } from '../../platform/store/schema.js';
import type { Trunk } from './model.js';

const view = (r: SipTrunksTable): Trunk => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  host: r.host,
  port: r.port,
  transport: r.transport,
  username: r.username,
  hasPassword: r.password_sealed !== null,
  register: r.register === 1,
  numberFormat: r.number_format,
  callerId: r.caller_id,
  inboundSources: JSON.parse(r.inbound_sources) as string[],
  createdAt: r.created_at,
});

/**
 * SIP trunks. Every method takes the tenant id but `all`, which the SIP switch's inbound check
 * needs: a call from a trunk is known by its source address before its tenant is.
 */
export class TrunkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(trunk: Trunk, passwordSealed: string | null): Promise<void> {
    await this.db
      .insertInto('sip_trunks')
      .values({
        id: trunk.id,
        tenant_id: trunk.tenantId,
        name: trunk.name,
        host: trunk.host,
        port: trunk.port,
        transport: trunk.transport,
        username: trunk.username,
        password_sealed: passwordSealed,
        register: trunk.register ? 1 : 0,
        number_format: trunk.numberFormat,
        caller_id: trunk.callerId,
        inbound_sources: JSON.stringify(trunk.inboundSources),
        created_at: trunk.createdAt,
      })
      .execute();
  }

  /** The tenant's trunks by name. */
  async list(tenantId: string): Promise<Trunk[]> {
    const rows = await this.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .execute();
    return rows.map(view);
  }

  /** Every tenant's trunks (the inbound check: which trunk a request came from). */
  async all(): Promise<Trunk[]> {
    return (await this.db.selectFrom('sip_trunks').selectAll().orderBy('tenant_id').orderBy('name').execute()).map(
      view,
    );
  }

  /** The sealed password of a trunk of the tenant. */
  async passwordSealed(tenantId: string, id: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('sip_trunks')
      .select('password_sealed')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r?.password_sealed ?? null;
  }

  async byName(tenantId: string, name: string): Promise<Trunk | undefined> {
    const r = await this.db
      .selectFrom('sip_trunks')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return r && view(r);
  }

  /** False when the tenant has no such trunk. */
  async remove(tenantId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('sip_trunks')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
