import type { Message } from '@parley/api';

// Messages of a conversation are ordered by their sequence number, which has no holes on the
// server: these keep the loaded part of a history in order and find what is missing.

/** Merges messages by sequence (a newer copy of the same message wins), oldest first. */
export function merge(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Replaces messages this thread holds with their newer state; others are not loaded here and stay so. */
export function replace(existing: readonly Message[], changed: readonly Message[]): readonly Message[] {
  const byId = new Map(changed.map((m) => [m.id, m]));
  if (!existing.some((m) => byId.has(m.id))) return existing;
  return existing.map((m) => byId.get(m.id) ?? m);
}

/**
 * The newest sequence up to which the loaded messages have no hole. Sequences have none on the
 * server (a deleted message stays as a tombstone), so a hole is a live event that never arrived.
 */
export function contiguousEnd(messages: readonly Message[]): number {
  for (let i = 1; i < messages.length; i++) {
    const prev = messages[i - 1] as Message;
    if ((messages[i] as Message).seq > prev.seq + 1) return prev.seq;
  }
  return messages.at(-1)?.seq ?? 0;
}
