import { z } from 'zod';
import { User } from './schemas.js';

/** The WebSocket path; authenticate with `Authorization: Bearer …` or `?ticket=` from `POST /api/v1/auth/ticket`. */
export const eventsPath = '/api/v1/events';

/** Close codes the event socket uses besides the standard ones. */
export const eventCloseCodes = {
  /** The session was revoked (logout, password change, user disabled or removed). */
  sessionRevoked: 4401,
} as const;

/** Every message the server pushes on the event WebSocket, discriminated by `type`. */
export const ClientEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), sessionId: z.string(), user: User, heartbeatSeconds: z.number() }),
  z.object({ type: z.literal('heartbeat'), at: z.iso.datetime() }),
  z.object({ type: z.literal('user.updated'), user: User }),
  z.object({ type: z.literal('session.created'), sessionId: z.string() }),
  z.object({ type: z.literal('session.revoked'), sessionId: z.string(), current: z.boolean() }),
]);
export type ClientEvent = z.infer<typeof ClientEvent>;
export type ClientEventType = ClientEvent['type'];
