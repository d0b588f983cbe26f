import * as t from '../trunks.js';
import { defineRoutes } from './spec.js';

/**
 * SIP trunks of the caller's tenant: the provider (ITSP) or PBX gateways that carry calls to and
 * from numbers outside the tenant.
 */
export const trunkRoutes = defineRoutes({
  'admin.trunks.list': {
    method: 'GET',
    path: '/api/v1/admin/trunks',
    summary: "SIP trunks of the caller's tenant (no passwords)",
    access: 'tenant-admin',
    status: 200,
    response: t.TrunkList,
  },
  'admin.trunks.create': {
    method: 'POST',
    path: '/api/v1/admin/trunks',
    summary: 'Add a SIP trunk; its host must be allowed by the outbound policy',
    access: 'tenant-admin',
    body: t.CreateTrunkRequest,
    status: 201,
    response: t.Trunk,
  },
  'admin.trunks.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/trunks/:name',
    summary: 'Remove a SIP trunk',
    access: 'tenant-admin',
    params: t.TrunkParams,
    status: 204,
  },
});
