import type { User as UserDto } from '@parley/api';

/**
 * Past-tense facts published on the bus after they are durable. Every payload names its tenant;
 * payloads about one user name that user, which is how the bus routes them (per-user subjects on
 * NATS). Add an event here and nowhere else.
 */
export interface EventMap {
  'tenant.created': { tenantId: string; domain: string };
  'tenant.updated': { tenantId: string };
  'tenant.deleted': { tenantId: string };
  'user.created': { tenantId: string; userId: string; user: UserDto };
  'user.updated': { tenantId: string; userId: string; user: UserDto };
  'user.deleted': { tenantId: string; userId: string };
  'session.created': { tenantId: string; userId: string; sessionId: string };
  'session.revoked': { tenantId: string; userId: string; sessionId: string };
}

export type EventType = keyof EventMap;
export type EventOf<T extends EventType> = EventMap[T];
