import { z } from 'zod';

/**
 * The stable error catalogue with each code's default text. Every API error carries one of these
 * codes; clients switch on the code, never on the message. Codes are never renamed or reused.
 * The codes are protocol-neutral (the server's core raises them); each adapter maps them onto its
 * protocol, the REST API by `errorStatus`.
 */
export const errorMessages = {
  PARLEY_ERR_VALIDATION: 'The request is not valid',
  PARLEY_ERR_BAD_JSON: 'The request body is not valid JSON',
  PARLEY_ERR_UNAUTHENTICATED: 'Authentication is required',
  PARLEY_ERR_INVALID_CREDENTIALS: 'Wrong user or password',
  PARLEY_ERR_FORBIDDEN: 'Not allowed',
  PARLEY_ERR_NOT_FOUND: 'Not found',
  PARLEY_ERR_CONFLICT: 'Conflicts with an existing resource',
  PARLEY_ERR_BODY_TOO_LARGE: 'The request body is too large',
  PARLEY_ERR_QUOTA_EXCEEDED: 'The storage quota is used up',
  PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  PARLEY_ERR_TOO_MANY_REQUESTS: 'Too many attempts; try again later',
  PARLEY_ERR_INTERNAL: 'Internal error',
  PARLEY_ERR_NOT_READY: 'The server is not ready',
  PARLEY_ERR_INVALID_STATE: 'The call or connection is not in a state that allows this',
  PARLEY_ERR_DEVICE_UNSUPPORTED: 'The device cannot do this',
  PARLEY_ERR_DEVICE_UNREACHABLE: 'The device is not reachable (not registered)',
  PARLEY_ERR_DOMAIN_BLOCKED: "The tenant's administrators blocked federation with that domain",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof errorMessages;

/** The HTTP status the REST API answers each error code with. */
export const errorStatus = {
  PARLEY_ERR_VALIDATION: 400,
  PARLEY_ERR_BAD_JSON: 400,
  PARLEY_ERR_UNAUTHENTICATED: 401,
  PARLEY_ERR_INVALID_CREDENTIALS: 401,
  PARLEY_ERR_FORBIDDEN: 403,
  PARLEY_ERR_NOT_FOUND: 404,
  PARLEY_ERR_CONFLICT: 409,
  PARLEY_ERR_BODY_TOO_LARGE: 413,
  PARLEY_ERR_QUOTA_EXCEEDED: 413,
  PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  PARLEY_ERR_TOO_MANY_REQUESTS: 429,
  PARLEY_ERR_INTERNAL: 500,
  PARLEY_ERR_NOT_READY: 503,
  PARLEY_ERR_INVALID_STATE: 409,
  PARLEY_ERR_DEVICE_UNSUPPORTED: 422,
  PARLEY_ERR_DEVICE_UNREACHABLE: 409,
  PARLEY_ERR_DOMAIN_BLOCKED: 403,
} as const satisfies Record<ErrorCode, number>;

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
