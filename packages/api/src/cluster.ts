import { z } from 'zod';

export const ClusterNode = z.object({
  nodeId: z.string(),
  instance: z.string().describe('This run of the node (new at every start)'),
  url: z.string().nullable().describe('Where the node listens, once it does'),
  sip: z
    .string()
    .nullable()
    .describe(
      'host:port the other nodes reach its SIP over TCP at (phones whose connection it holds), once it listens',
    ),
  version: z.string(),
  startedAt: z.iso.datetime(),
  heartbeatAt: z.iso.datetime().describe("The node's last heartbeat, by its own clock"),
  connections: z.number().int().describe('Open event sockets'),
  self: z.boolean().describe('The node that answered'),
});

export const ClusterLease = z.object({
  name: z.string().describe('The job, e.g. calendar-polling'),
  nodeId: z.string(),
  instance: z.string(),
  since: z.iso.datetime(),
});

export const ClusterStatus = z.object({
  enabled: z.boolean().describe('false: one embedded node (SQLite, in-process bus)'),
  nodes: z.array(ClusterNode).describe('Live nodes: those whose heartbeat is within the node timeout'),
  leases: z.array(ClusterLease).describe('Which node runs each scheduled job'),
});
