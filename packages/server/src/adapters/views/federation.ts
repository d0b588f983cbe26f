// The API form (`@parley/api`) of a tenant's federation trust, for the HTTP routes and the CLI.
import type { FederationDomain, FederationTrust as FederationTrustDto } from '@parley/api';
import type { DomainLevel, FederationTrust } from '../../core/federation/model.js';
import { iso } from './time.js';

export const federationDomainView = (d: DomainLevel): FederationDomain => ({
  domain: d.domain,
  level: d.level,
  listed: d.listed,
  updatedAt: d.updatedAt === null ? null : iso(d.updatedAt),
});

export const federationTrustView = (t: FederationTrust, tenant: string): FederationTrustDto => ({
  tenant,
  defaultLevel: t.defaultLevel,
  domains: t.domains.map((d) => federationDomainView({ ...d, listed: true })),
});
