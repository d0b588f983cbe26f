import { Address, noAnswerSeconds, TARGET_MAX } from '@parley/api';
import { normalize } from '../../lib/phone-number.js';
import type { CoreContext } from '../context.js';
import { notFound, ParleyError } from '../errors.js';
import type { LineService } from '../lines/service.js';
import type { CallSettingsSink } from '../presence/model.js';
import { ReadCache } from '../read-cache.js';
import { planOf } from '../tenants/model.js';
import { addressOf, type User } from '../users/model.js';
import type { UserService } from '../users/service.js';
import type {
  CallSettings,
  CallSettingsService,
  ForwardingRuleChange,
  ForwardingType,
  RemoteOffice,
  RouteDecision,
} from './model.js';
import { type CallSettingsChange, defaultCallSettings } from './repository.js';
import { decide } from './route.js';

type Problem = { path: string; message: string };

const problemsError = (problems: Problem[]) =>
  new ParleyError('PARLEY_ERR_VALIDATION', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);

/**
 * A user's call settings (`core.forwarding`): forwarding (immediate, busy, no answer), do not
 * disturb and remote office, stored per user and tenant. A target is an address (`local@domain`,
 * forwarding only) or a number the tenant's numbering plan reads, or one of its extensions; never
 * one of the user's own lines (the call would come straight back). Every change tells presence what
 * it shows (DND, forwarded), then publishes `callsettings.changed` to the user.
 */
export class ForwardingService implements CallSettingsService {
  /** Each user's settings as the switch reads them for every call (`forget` on each change). */
  private readonly cached: ReadCache<CallSettings>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly users: Pick<UserService, 'lookup'>,
    private readonly lines: Pick<LineService, 'resolve'>,
    private readonly presence: CallSettingsSink,
  ) {
    this.cached = new ReadCache(ctx.clock);
  }

  async get(tenantId: string, userId: string): Promise<CallSettings> {
    await this.user(tenantId, userId);
    const settings = await this.cached.get(
      `${tenantId} ${userId}`,
      async () => (await this.ctx.store.repos.callSettings.get(tenantId, userId)) ?? defaultCallSettings(),
    );
    return settings ?? defaultCallSettings();
  }

  /** Drops what this node cached of the tenant's (or one user's) settings. */
  forget(tenantId: string, userId?: string): void {
    this.cached.forget(
      (_, key) => key === `${tenantId} ${userId}` || (userId === undefined && key.startsWith(`${tenantId} `)),
    );
  }

  /** @example await core.forwarding.setForwarding(tenantId, userId, 'busy', { enabled: true, to: '+49 171 1234567' }) */
  setForwarding(
    tenantId: string,
    userId: string,
    type: ForwardingType,
    rule: ForwardingRuleChange,
  ): Promise<CallSettings> {
    return this.setForwardingRules(tenantId, userId, { [type]: rule });
  }

  /**
   * Changes several forwarding rules at once, all or none: every problem of every rule is reported
   * (PARLEY_ERR_VALIDATION, a detail per field such as `busy.to`) and nothing changes.
   */
  async setForwardingRules(
    tenantId: string,
    userId: string,
    rules: Partial<Record<ForwardingType, ForwardingRuleChange>>,
  ): Promise<CallSettings> {
    const user = await this.user(tenantId, userId);
    const stored = (await this.ctx.store.repos.callSettings.get(tenantId, userId)) ?? defaultCallSettings();
    const problems: Problem[] = [];
    const forwarding: NonNullable<CallSettingsChange['forwarding']> = {};
    for (const type of ['immediate', 'busy', 'noAnswer'] as const) {
      const rule = rules[type];
      if (!rule) continue;
      const path = (field: string) => `${type}.${field}`;
      let to = rule.to;
      if (rule.to != null) {
        const read = await this.target(tenantId, user, rule.to, { addresses: true });
        if ('problem' in read) problems.push({ path: path('to'), message: read.problem });
        else to = read.target;
      }
      if (rule.enabled && (to === undefined ? stored.forwarding[type].to : to) === null) {
        problems.push({ path: path('to'), message: 'a target is needed to switch it on' });
      }
      const { afterSeconds } = rule;
      if (afterSeconds !== undefined && type !== 'noAnswer') {
        problems.push({ path: path('afterSeconds'), message: 'only the noAnswer rule waits' });
      } else if (
        afterSeconds !== undefined &&
        !(Number.isInteger(afterSeconds) && afterSeconds >= noAnswerSeconds.min && afterSeconds <= noAnswerSeconds.max)
      ) {
        problems.push({
          path: path('afterSeconds'),
          message: `must be ${noAnswerSeconds.min} to ${noAnswerSeconds.max} seconds`,
        });
      }
      forwarding[type] = {
        enabled: rule.enabled,
        ...(to !== undefined && { to }),
        ...(afterSeconds !== undefined && { afterSeconds }),
      };
    }
    if (problems.length > 0) throw problemsError(problems);
    return this.apply(tenantId, userId, { forwarding });
  }

  async setDnd(tenantId: string, userId: string, on: boolean): Promise<CallSettings> {
    await this.user(tenantId, userId);
    return this.apply(tenantId, userId, { dnd: on });
  }

  /** `number` left out keeps the stored one; on needs a number. */
  async setRemoteOffice(
    tenantId: string,
    userId: string,
    remoteOffice: Pick<RemoteOffice, 'enabled'> & { number?: string | null },
  ): Promise<CallSettings> {
    const user = await this.user(tenantId, userId);
    const stored = (await this.ctx.store.repos.callSettings.get(tenantId, userId)) ?? defaultCallSettings();
    let number = remoteOffice.number;
    if (number != null) {
      const read = await this.target(tenantId, user, number, { addresses: false });
      if ('problem' in read) throw problemsError([{ path: 'number', message: read.problem }]);
      number = read.target;
    }
    if (remoteOffice.enabled && (number === undefined ? stored.remoteOffice.number : number) === null) {
      throw problemsError([{ path: 'number', message: 'a number is needed to switch it on' }]);
    }
    return this.apply(tenantId, userId, {
      remoteOffice: { enabled: remoteOffice.enabled, ...(number !== undefined && { number }) },
    });
  }

  async decide(tenantId: string, userId: string): Promise<RouteDecision> {
    return decide(await this.get(tenantId, userId));
  }

  private async user(tenantId: string, userId: string): Promise<User> {
    const user = await this.users.lookup(tenantId, userId);
    if (!user) throw notFound('user');
    return user;
  }

  /** Writes the change, tells presence, publishes the settings as they are now. */
  private async apply(tenantId: string, userId: string, change: CallSettingsChange): Promise<CallSettings> {
    const settings = await this.ctx.store.repos.callSettings.apply(tenantId, userId, change, this.ctx.clock.now());
    this.forget(tenantId, userId);
    const { immediate } = settings.forwarding;
    await this.presence.setCallSettings(tenantId, userId, {
      dnd: settings.dnd,
      forwarded: immediate.enabled && immediate.to !== null,
    });
    await this.ctx.bus.publish('callsettings.changed', { tenantId, userId, settings });
    this.ctx.log.info({ tenantId, userId, change: Object.keys(change) }, 'call settings changed');
    return settings;
  }

  /**
   * A target as stored (trimmed; an address in lower case), or why it cannot be one: an address
   * (where allowed) other than the user's own, an extension of the tenant's lines other than the
   * user's own, or a number the numbering plan reads that reaches none of the user's lines.
   */
  private async target(
    tenantId: string,
    user: User,
    raw: string,
    o: { addresses: boolean },
  ): Promise<{ target: string } | { problem: string }> {
    const s = raw.trim();
    if (s.length === 0) return { problem: 'must not be empty' };
    if (s.length > TARGET_MAX) return { problem: `must be at most ${TARGET_MAX} characters` };
    if (s.includes('@')) {
      if (!o.addresses) return { problem: 'must be a phone number' };
      const address = Address.safeParse(s.replace(/^sips?:/i, ''));
      if (!address.success) return { problem: 'must be a number or an address such as alice@example.com' };
      if (address.data === addressOf(user)) return { problem: 'is your own address: calls would come back to you' };
      return { target: address.data };
    }
    const owned = await this.lines.resolve(tenantId, s);
    if (owned?.user.id === user.id) {
      return { problem: `reaches your own line ${owned.line.number}: calls would come back to you` };
    }
    if (owned) return { target: s };
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    const read = normalize(s, planOf(tenant));
    return read.ok ? { target: s } : { problem: read.reason };
  }
}
