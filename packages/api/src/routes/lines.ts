import * as l from '../lines.js';
import { defineRoutes } from './spec.js';

/**
 * Lines of the caller's tenant: numbers (an extension and an optional DID) owned by users. No
 * dialled string may reach two lines: a clash is a conflict (409).
 */
export const lineRoutes = defineRoutes({
  'admin.lines.list': {
    method: 'GET',
    path: '/api/v1/admin/lines',
    summary: "Lines of the caller's tenant with their owners",
    access: 'tenant-admin',
    status: 200,
    response: l.LineList,
  },
  'admin.lines.create': {
    method: 'POST',
    path: '/api/v1/admin/lines',
    summary: 'Give a user a line; conflict when a dialled string would reach it and another line',
    access: 'tenant-admin',
    body: l.CreateLineRequest,
    status: 201,
    response: l.Line,
  },
  'admin.lines.update': {
    method: 'PATCH',
    path: '/api/v1/admin/lines/:number',
    summary: 'Put a line in a pickup group, or take it out of its group',
    access: 'tenant-admin',
    params: l.LineParams,
    body: l.UpdateLineRequest,
    status: 200,
    response: l.Line,
  },
  'admin.lines.delete': {
    method: 'DELETE',
    path: '/api/v1/admin/lines/:number',
    summary: "Remove a line; its devices ring for the owner's other lines",
    access: 'tenant-admin',
    params: l.LineParams,
    status: 204,
  },
});
