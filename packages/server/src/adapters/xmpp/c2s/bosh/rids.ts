// BOSH request ids (XEP-0124 §14): requests are handled in `rid` order within a window of
// `requests` beyond the last one handled; a repeated rid is answered again from the responses kept;
// and the overactivity rules of §12 (polling too often).

/** The largest rid a client may reach (XEP-0124 §14: 2^53 − 1). */
const MAX_RID = Number.MAX_SAFE_INTEGER;

/** A rid attribute as a number; undefined when it is not a positive integer. */
export function parseRid(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  const rid = Number(value);
  return rid > 0 && rid <= MAX_RID ? rid : undefined;
}

/** Where a request's rid stands: the next to handle, ahead within the window, a repeat, or outside. */
export type RidPlace = 'next' | 'ahead' | 'repeat' | 'outside';

/**
 * @example
 * const window = new RidWindow(creationRid, 2);
 * window.place(rid); // 'next': handle it and window.handled(rid); 'ahead': keep it until the gap is filled
 */
export class RidWindow {
  /** The last rid handled (every rid up to it was). */
  last: number;
  /** Answers kept for repeated requests, by rid, oldest first. */
  private readonly kept = new Map<number, string>();

  constructor(
    first: number,
    /** How many requests may be outstanding (the session's `requests`): the window's size and the answers kept. */
    private readonly size: number,
  ) {
    this.last = first;
  }

  place(rid: number): RidPlace {
    if (rid === this.last + 1) return 'next';
    if (rid <= this.last) return 'repeat';
    return rid <= this.last + this.size ? 'ahead' : 'outside';
  }

  handled(rid: number): void {
    this.last = rid;
  }

  /** Keeps the answer to `rid` for a repeat of it (the last `size` answers). */
  keep(rid: number, answer: string): void {
    this.kept.set(rid, answer);
    for (const old of this.kept.keys()) {
      if (this.kept.size <= this.size) break;
      this.kept.delete(old);
    }
  }

  /** The answer kept for a repeated `rid`. */
  answer(rid: number): string | undefined {
    return this.kept.get(rid);
  }
}

export interface Activity {
  /** The request carries nothing: no payload, no pause, restart or terminate. */
  empty: boolean;
  /** The previous request was empty too. */
  previousEmpty: boolean;
  /** Milliseconds since the previous request arrived. */
  sinceMs: number;
  /** Requests held (not answered) when this one arrived. */
  held: number;
  /** And the previous one's answer carried nothing (polling sessions). */
  previousAnsweredEmpty: boolean;
  hold: number;
  pollingSeconds: number;
}

/**
 * XEP-0124 §12 "Overactivity": two empty requests within `polling` seconds, when the first is
 * still held (with `requests` outstanding), or, in a polling session (hold 0), was answered empty.
 */
export function pollsTooOften(a: Activity): boolean {
  if (!a.empty || !a.previousEmpty || a.sinceMs >= a.pollingSeconds * 1000) return false;
  return a.hold === 0 ? a.previousAnsweredEmpty : a.held >= a.hold;
}
