import { z } from 'zod';

// Pieces of the listener sections protocols share (`sip`, `csta`).

export const portSchema = z.number().int().min(0).max(65535);

/**
 * A protocol's TLS listener: on or off, its port, and a certificate (generated once into the data
 * folder when none is configured).
 */
export const tlsListenerSchema = (o: { protocol: string; enabled: boolean; port: number }) =>
  z
    .strictObject({
      enabled: z.boolean().default(o.enabled).describe(`Serve ${o.protocol} over TLS`),
      port: portSchema.default(o.port).describe('TLS port; 0 picks a free one'),
      cert: z
        .string()
        .optional()
        .describe('PEM certificate chain file; without it a self-signed one is generated once into the data folder'),
      key: z.string().optional().describe('PEM private key file of `cert`'),
    })
    .prefault({});
