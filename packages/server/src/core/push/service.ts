import type { CoreContext } from '../context.js';
import { invalid, ParleyError } from '../errors.js';
import { PUSH_LIMITS, type PushRegistration } from './model.js';

/** Who registers: a signed-in user of a tenant. */
export interface PushOwner {
  tenantId: string;
  userId: string;
}

function checkText(path: string, value: string) {
  if (value.length === 0) throw invalid(path, 'must not be empty');
  if (value.length > PUSH_LIMITS.text) throw invalid(path, `at most ${PUSH_LIMITS.text} characters`);
}

/**
 * Push registrations (XEP-0357) of each user: where their clients want to be woken when a message
 * arrives while they are away. Stored here for the push sender; at most `PUSH_LIMITS.perUser` per
 * user (registering again at the same service and node replaces the options).
 */
export class PushService {
  constructor(private readonly ctx: CoreContext) {}

  list(owner: PushOwner): Promise<PushRegistration[]> {
    return this.ctx.store.repos.push.list(owner.tenantId, owner.userId);
  }

  async enable(
    owner: PushOwner,
    input: { service: string; node: string; options: Record<string, string> },
  ): Promise<PushRegistration> {
    checkText('service', input.service);
    checkText('node', input.node);
    const entries = Object.entries(input.options);
    if (entries.length > PUSH_LIMITS.options) throw invalid('options', `at most ${PUSH_LIMITS.options} options`);
    for (const [name, value] of entries) {
      checkText(`options.${name}`, name);
      if (value.length > PUSH_LIMITS.text) throw invalid(`options.${name}`, `at most ${PUSH_LIMITS.text} characters`);
    }
    const now = this.ctx.clock.now();
    return this.ctx.store.transaction(async (r) => {
      const existing = await r.push.list(owner.tenantId, owner.userId);
      const same = existing.find((e) => e.service === input.service && e.node === input.node);
      if (!same && existing.length >= PUSH_LIMITS.perUser) {
        throw new ParleyError(
          'PARLEY_ERR_QUOTA_EXCEEDED',
          `at most ${PUSH_LIMITS.perUser} push registrations per user; disable one first`,
        );
      }
      const registration: PushRegistration = {
        tenantId: owner.tenantId,
        userId: owner.userId,
        service: input.service,
        node: input.node,
        options: { ...input.options },
        createdAt: same?.createdAt ?? now,
        updatedAt: now,
      };
      await r.push.upsert(registration);
      this.ctx.log.info({ tenantId: owner.tenantId, userId: owner.userId, service: input.service }, 'push enabled');
      return registration;
    });
  }

  /** Removes the registrations at `service` (only `node` when given); returns how many went. */
  async disable(owner: PushOwner, service: string, node?: string): Promise<number> {
    const n = await this.ctx.store.repos.push.remove(owner.tenantId, owner.userId, service, node);
    if (n > 0) this.ctx.log.info({ tenantId: owner.tenantId, userId: owner.userId, service, n }, 'push disabled');
    return n;
  }
}
