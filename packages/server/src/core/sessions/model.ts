/** A signed-in session of a user (bearer token or cookie); the token itself is stored only hashed. */
export interface Session {
  id: string;
  tenantId: string;
  userId: string;
  userAgent: string | null;
  address: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt: number | null;
}
