/** A time of the core (ms since the epoch) as the API writes it: ISO 8601 in UTC. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** `iso`, or null for a time that is not set. */
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
