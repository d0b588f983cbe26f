import * as f from '../federation.js';
import { defineRoutes } from './spec.js';

/**
 * Federation trust of the caller's tenant (a system admin names any tenant with `?tenant=`): the
 * level of each remote domain its admins listed, the level of every other, and the diagnostics.
 */
export const federationRoutes = defineRoutes({
  'admin.federation.get': {
    method: 'GET',
    path: '/api/v1/admin/federation/domains',
    summary: "The tenant's federation trust: the default level and every listed domain",
    access: 'tenant-admin',
    query: f.FederationTenantQuery,
    status: 200,
    response: f.FederationTrust,
  },
  'admin.federation.default.set': {
    method: 'PUT',
    path: '/api/v1/admin/federation/default',
    summary: 'Set the level of every domain the tenant did not list',
    access: 'tenant-admin',
    query: f.FederationTenantQuery,
    body: f.SetTrustRequest,
    status: 200,
    response: f.FederationTrust,
  },
  'admin.federation.domain.get': {
    method: 'GET',
    path: '/api/v1/admin/federation/domains/:domain',
    summary: "A remote domain's level (the default when it is not listed)",
    access: 'tenant-admin',
    params: f.FederationDomainParams,
    query: f.FederationTenantQuery,
    status: 200,
    response: f.FederationDomain,
  },
  'admin.federation.domain.set': {
    method: 'PUT',
    path: '/api/v1/admin/federation/domains/:domain',
    summary: "Set a remote domain's level",
    access: 'tenant-admin',
    params: f.FederationDomainParams,
    query: f.FederationTenantQuery,
    body: f.SetTrustRequest,
    status: 200,
    response: f.FederationDomain,
  },
  'admin.federation.domain.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/federation/domains/:domain',
    summary: 'Forget a remote domain: it gets the default level again',
    access: 'tenant-admin',
    params: f.FederationDomainParams,
    query: f.FederationTenantQuery,
    status: 204,
  },
  'admin.federation.check': {
    method: 'POST',
    path: '/api/v1/admin/federation/check',
    summary: "Check a remote domain's XMPP federation step by step: DNS, TCP, TLS, certificate, authentication, ping",
    access: 'tenant-admin',
    body: f.FederationCheckRequest,
    status: 200,
    response: f.FederationCheckResult,
  },
});
