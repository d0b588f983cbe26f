import { noAnswerSeconds } from '@parley/api';
import type { Kysely, Updateable } from 'kysely';
import type { CallSettingsTable, Database } from '../../platform/store/schema.js';
import type { CallSettings, ForwardingType } from './model.js';

/**
 * What one change writes: only the settings it names (a target or number left out stays), so two
 * changes at once both keep theirs.
 */
export interface CallSettingsChange {
  forwarding?: Partial<Record<ForwardingType, { enabled: boolean; to?: string | null; afterSeconds?: number }>>;
  dnd?: boolean;
  remoteOffice?: { enabled: boolean; number?: string | null };
}

/** The settings of a user without a row: everything off. */
export const defaultCallSettings = (): CallSettings => ({
  forwarding: {
    immediate: { enabled: false, to: null },
    busy: { enabled: false, to: null },
    noAnswer: { enabled: false, to: null, afterSeconds: noAnswerSeconds.default },
  },
  dnd: false,
  remoteOffice: { enabled: false, number: null },
  updatedAt: null,
});

const toSettings = (r: CallSettingsTable): CallSettings => ({
  forwarding: {
    immediate: { enabled: r.immediate_on === 1, to: r.immediate_to },
    busy: { enabled: r.busy_on === 1, to: r.busy_to },
    noAnswer: { enabled: r.no_answer_on === 1, to: r.no_answer_to, afterSeconds: r.no_answer_seconds },
  },
  dnd: r.dnd === 1,
  remoteOffice: { enabled: r.remote_office_on === 1, number: r.remote_office_number },
  updatedAt: Number(r.updated_at),
});

/** The columns of a new row before a change: everything off. */
const offRow = {
  immediate_on: 0,
  immediate_to: null,
  busy_on: 0,
  busy_to: null,
  no_answer_on: 0,
  no_answer_to: null,
  no_answer_seconds: noAnswerSeconds.default,
  dnd: 0,
  remote_office_on: 0,
  remote_office_number: null,
};

const bit = (b: boolean) => (b ? 1 : 0);

/** The columns a change sets. */
function columns(change: CallSettingsChange): Updateable<CallSettingsTable> {
  const set: Updateable<CallSettingsTable> = {};
  const f = change.forwarding ?? {};
  if (f.immediate) {
    set.immediate_on = bit(f.immediate.enabled);
    if (f.immediate.to !== undefined) set.immediate_to = f.immediate.to;
  }
  if (f.busy) {
    set.busy_on = bit(f.busy.enabled);
    if (f.busy.to !== undefined) set.busy_to = f.busy.to;
  }
  if (f.noAnswer) {
    set.no_answer_on = bit(f.noAnswer.enabled);
    if (f.noAnswer.to !== undefined) set.no_answer_to = f.noAnswer.to;
    if (f.noAnswer.afterSeconds !== undefined) set.no_answer_seconds = f.noAnswer.afterSeconds;
  }
  if (change.dnd !== undefined) set.dnd = bit(change.dnd);
  if (change.remoteOffice) {
    set.remote_office_on = bit(change.remoteOffice.enabled);
    if (change.remoteOffice.number !== undefined) set.remote_office_number = change.remoteOffice.number;
  }
  return set;
}

/** Each user's call settings. Every method takes the tenant id. */
export class CallSettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user's settings; undefined when they never changed one. */
  async get(tenantId: string, userId: string): Promise<CallSettings | undefined> {
    const row = await this.db
      .selectFrom('call_settings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toSettings(row);
  }

  /**
   * Writes the settings `change` names in one statement (the others keep what they hold, also
   * against a concurrent change of them) and returns all of them as they are now. The user must
   * exist in the tenant (the caller checks).
   */
  async apply(tenantId: string, userId: string, change: CallSettingsChange, now: number): Promise<CallSettings> {
    const set = { ...columns(change), updated_at: now };
    const row = await this.db
      .insertInto('call_settings')
      .values({ ...offRow, user_id: userId, tenant_id: tenantId, ...set })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(set).where('call_settings.tenant_id', '=', tenantId))
      .returningAll()
      .executeTakeFirst();
    // The row belongs to another tenant's user: no write happened (the caller checked the user).
    if (!row) throw new Error('call settings: the user is not in this tenant');
    return toSettings(row);
  }
}
