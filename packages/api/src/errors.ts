import { z } from 'zod';

/**
 * The stable error catalogue. Every API error carries one of these codes; clients switch on the
 * code, never on the message. Codes are never renamed or reused.
 */
export const errorCodes = {
  PARLEY_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  PARLEY_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  PARLEY_ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication is required' },
  PARLEY_ERR_INVALID_CREDENTIALS: { status: 401, message: 'Wrong user or password' },
  PARLEY_ERR_FORBIDDEN: { status: 403, message: 'Not allowed' },
  PARLEY_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  PARLEY_ERR_CONFLICT: { status: 409, message: 'Conflicts with an existing resource' },
  PARLEY_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  PARLEY_ERR_QUOTA_EXCEEDED: { status: 413, message: 'The storage quota is used up' },
  PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  PARLEY_ERR_TOO_MANY_REQUESTS: { status: 429, message: 'Too many attempts; try again later' },
  PARLEY_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  PARLEY_ERR_NOT_READY: { status: 503, message: 'The server is not ready' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCodes;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable PARLEY_ERR_* code'),
      message: z.string().describe('A human-readable explanation'),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe('Per-field problems, for validation errors'),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBody>;
