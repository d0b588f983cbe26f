import { TrustLevel as TrustLevelSchema } from '@parley/api';
import type { Relation } from '../presence/watchers.js';

// Per-domain federation trust (issue 15): what a tenant's admins let another company's server see
// and do. One notion for every protocol that federates (XMPP s2s, SIP federation).

/** From least to most: refused entirely … treated like colleagues (the API's values). */
export const trustLevels = TrustLevelSchema.options;
export type TrustLevel = (typeof trustLevels)[number];

/** The level of a domain the tenant did not list, until its admins choose another. */
export const DEFAULT_TRUST: TrustLevel = 'public';

/** One remote domain a tenant's admins set a level for. */
export interface DomainTrust {
  domain: string;
  level: TrustLevel;
  updatedAt: number;
}

/** A domain's level as a tenant sees it: its own entry (`listed`), or the default (`updatedAt` null). */
export interface DomainLevel {
  domain: string;
  level: TrustLevel;
  updatedAt: number | null;
  listed: boolean;
}

/** A tenant's federation trust: its listed domains and the level of every other domain. */
export interface FederationTrust {
  tenantId: string;
  defaultLevel: TrustLevel;
  /** By domain. */
  domains: DomainTrust[];
}

const canonical = (domain: string) => domain.toLowerCase().replace(/\.$/, '');

/**
 * The level of `domain` in `trust`: its own entry, else the tenant's default. Exact names only: a
 * listed `example.test` says nothing of `conference.example.test`.
 * @example trustIn({ tenantId, defaultLevel: 'public', domains: [] }, 'example.test') // 'public'
 */
export function trustIn(trust: Pick<FederationTrust, 'defaultLevel' | 'domains'>, domain: string): TrustLevel {
  const name = canonical(domain);
  return trust.domains.find((d) => d.domain === name)?.level ?? trust.defaultLevel;
}

/** Whether a domain of `level` may federate at all (streams, subscriptions, messages). */
export const federates = (level: TrustLevel): boolean => level !== 'blocked';

/**
 * The presence relation of a federated watcher from a domain of `level` (`presence/watchers.ts`):
 * `public` sees availability only, `business` availability and flags (on the phone, in a meeting)
 * but no appointment or note, `trusted` what a colleague sees, `blocked` nothing (offline).
 */
export function federatedRelation(level: TrustLevel): Relation {
  switch (level) {
    case 'blocked':
      return 'blocked';
    case 'public':
      return 'external';
    case 'business':
      return 'business';
    case 'trusted':
      return 'colleague';
  }
}

/** Whether a subscription from a user of a domain of `level` is approved without asking the user. */
export const subscribesWithoutApproval = (level: TrustLevel): boolean => level === 'trusted';

/**
 * A remote server's answer to the federation check's XEP-0199 ping (`id`), between its domain
 * `from` and ours `to`. It comes on the remote server's own stream to us, which in a cluster may
 * land on another node than the one that pinged: that node relays it (`federation.check.answered`).
 */
export interface PingAnswer {
  id: string;
  answered: 'result' | 'error';
  from: string;
  to: string;
}
