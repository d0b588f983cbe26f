import { z } from 'zod';

import { portSchema as port, tlsListenerSchema } from './listener-schema.js';

const count = (min: number, max: number) => z.number().int().min(min).max(max);

/** The `csta` section: the CSTA XML listener for CTI applications (ECMA-269/323/354). */
export const CstaConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve CSTA XML to CTI applications (`--no-csta` turns it off)'),
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the CSTA listeners'),
    port: port.default(7200).describe('CSTA over TCP port; 0 picks a free one (logged at start)'),
    tls: tlsListenerSchema({ protocol: 'CSTA', enabled: false, port: 7201 }),
    session: z
      .strictObject({
        defaultSeconds: count(1, 86_400)
          .default(180)
          .describe('Application session duration granted when StartApplicationSession asks for none (ECMA-354)'),
        minSeconds: count(1, 86_400).default(30).describe('Shortest session duration granted'),
        maxSeconds: count(1, 86_400)
          .default(3600)
          .describe(
            'Longest session duration granted; the application must ResetApplicationSessionTimer before it runs out',
          ),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxFrameBytes: count(1024, 65_535)
          .default(65_535)
          .describe('Largest CSTA message; a larger frame (or length header) closes the connection'),
        maxDepth: count(4, 256).default(32).describe('Deepest element nesting of a message'),
        maxElements: count(10, 100_000).default(2000).describe('Most elements in one message'),
        requestsPerSecond: count(1, 100_000)
          .default(50)
          .describe('Requests one connection may send per second; more are answered with a CSTA error'),
        maxMonitors: count(1, 1_000_000).default(1000).describe('Device monitors one session may hold'),
        maxConnections: count(1, 1_000_000).default(1000).describe('Open CSTA connections at most'),
        loginSeconds: count(1, 3600)
          .default(30)
          .describe('A connection that has not started an application session after this long is closed'),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((c, ctx) => {
    if (c.session.minSeconds > c.session.maxSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['session', 'minSeconds'],
        message: 'must not be above csta.session.maxSeconds',
      });
    }
  });

export type CstaConfig = z.infer<typeof CstaConfigSchema>;
