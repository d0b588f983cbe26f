// The API form (`@parley/api`) of a tenant.
import type { Tenant as TenantDto } from '@parley/api';
import type { Tenant } from '../../core/tenants/model.js';
import { iso } from './time.js';

export const tenantView = (t: Tenant): TenantDto => ({
  id: t.id,
  name: t.name,
  domains: t.domains,
  country: t.country,
  areaCode: t.areaCode,
  numbering: t.numbering,
  createdAt: iso(t.createdAt),
});
