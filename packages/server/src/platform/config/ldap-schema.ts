import { z } from 'zod';

import { portSchema as port } from './listener-schema.js';

const count = (min: number, max: number) => z.number().int().min(min).max(max);

/** The `ldap` section: the read-only LDAP server of the MetaDirectory for desk phones and mail clients. */
export const LdapConfigSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Bind address of the LDAP listeners'),
    port: port
      .optional()
      .describe(
        'LDAP port (389 is usual; StartTLS offered when `tls` has a certificate); unset serves no LDAP, 0 picks a free port',
      ),
    tls: z
      .strictObject({
        port: port
          .optional()
          .describe('LDAPS port with direct TLS (636 is usual); unset serves no LDAPS, 0 picks a free one'),
        cert: z
          .string()
          .optional()
          .describe('PEM certificate chain file; without it a self-signed one is generated once into the data folder'),
        key: z.string().optional().describe('PEM private key file of `cert`'),
      })
      .prefault({}),
    limits: z
      .strictObject({
        maxMessageBytes: count(512, 1_048_576)
          .default(65_536)
          .describe('Largest LDAP request; a larger one ends the connection with a Notice of Disconnection'),
        maxDepth: count(4, 128).default(32).describe('Deepest BER nesting of a request (filters nest)'),
        maxElements: count(16, 100_000).default(1000).describe('Most BER elements in one request'),
        maxEntries: count(1, 100_000)
          .default(500)
          .describe(
            "Most entries one search (a paged search: one page) returns; a request's sizeLimit is capped by it",
          ),
        maxSeconds: count(1, 3600)
          .default(10)
          .describe("Longest a search may take; a request's timeLimit is capped by it"),
        requestsPerSecond: count(1, 100_000)
          .default(200)
          .describe('Requests one connection may send per second; more are answered busy'),
        maxPending: count(1, 1000).default(16).describe('Operations one connection may have running at once'),
        maxPagedSearches: count(1, 100).default(4).describe('Paged searches one connection keeps open'),
        maxConnections: count(1, 1_000_000).default(1000).describe('Open LDAP connections at most'),
        idleSeconds: count(1, 86_400).default(300).describe('A connection that sends nothing for this long is closed'),
      })
      .prefault({}),
  })
  .prefault({});

export type LdapConfig = z.infer<typeof LdapConfigSchema>;
