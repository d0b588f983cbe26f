import { z } from 'zod';
import { Domain } from './schemas.js';

/**
 * How far a tenant trusts another company's server (issue 15): `blocked` is refused entirely;
 * `public` sees availability only and its users' subscriptions need approval; `business` also sees
 * the flags (on the phone, in a meeting) but no appointment subject or note; `trusted` sees what a
 * colleague sees and its users may subscribe without approval.
 */
export const TrustLevel = z.enum(['blocked', 'public', 'business', 'trusted']).meta({ id: 'TrustLevel' });
export type TrustLevel = z.infer<typeof TrustLevel>;

export const FederationDomain = z
  .object({
    domain: Domain,
    level: TrustLevel,
    listed: z.boolean().describe('False: not listed, the level is the default'),
    updatedAt: z.iso.datetime().nullable().describe('When its level was set; null when not listed'),
  })
  .meta({ id: 'FederationDomain' });
export type FederationDomain = z.infer<typeof FederationDomain>;

/** A tenant's federation trust: the level of every domain it did not list, and the listed ones. */
export const FederationTrust = z
  .object({
    tenant: Domain.describe("The tenant's primary domain"),
    defaultLevel: TrustLevel.describe('The level of every domain not listed'),
    domains: z.array(FederationDomain).describe('By domain'),
  })
  .meta({ id: 'FederationTrust' });
export type FederationTrust = z.infer<typeof FederationTrust>;

/** Which tenant a system admin acts on (a tenant admin may name only their own, or leave it out). */
export const FederationTenantQuery = z.strictObject({
  tenant: Domain.optional().describe("A domain of the tenant; the caller's own when left out"),
});

export const FederationDomainParams = z.strictObject({ domain: Domain });

export const SetTrustRequest = z.strictObject({ level: TrustLevel });

/** One step of a federation check, in the order they ran. */
export const FederationCheckStep = z
  .object({
    step: z
      .enum(['dns', 'tcp', 'tls', 'certificate', 'authentication', 'ping'])
      .describe(
        'dns: SRV and A/AAAA; tcp: connect; tls: STARTTLS or direct TLS; authentication: SASL EXTERNAL / dialback',
      ),
    outcome: z.enum(['ok', 'failed', 'warning', 'skipped']),
    /** A code per outcome (the web app words it in the reader's language), e.g. `no-address`, `cert-expired`. */
    code: z.string(),
    /** What happened, in English, for logs and the CLI. */
    message: z.string(),
    /** What the code's text needs (host, port, date, names …). */
    detail: z.record(z.string(), z.string()),
  })
  .meta({ id: 'FederationCheckStep' });
export type FederationCheckStep = z.infer<typeof FederationCheckStep>;

export const FederationCheckRequest = z.strictObject({ domain: Domain });

export const FederationCheckResult = z
  .object({
    domain: Domain,
    ok: z.boolean().describe('Every step passed (warnings allowed)'),
    steps: z.array(FederationCheckStep),
  })
  .meta({ id: 'FederationCheckResult' });
export type FederationCheckResult = z.infer<typeof FederationCheckResult>;
