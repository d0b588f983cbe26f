import * as c from '../cluster.js';
import { defineRoutes } from './spec.js';

/** Operating a cluster: its live nodes and who runs which job. */
export const clusterRoutes = defineRoutes({
  'admin.cluster.status': {
    method: 'GET',
    path: '/api/v1/admin/cluster',
    summary: 'Live nodes (heartbeats) and the job leases they hold',
    access: 'system-admin',
    status: 200,
    response: c.ClusterStatus,
  },
});
