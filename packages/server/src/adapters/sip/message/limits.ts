// Bounds on every message the SIP adapter reads (DESIGN §9: every parser has limits).

export interface SipLimits {
  /** Whole message (start line, headers, body), bytes. */
  maxMessageBytes: number;
  /** Header fields (each comma-separated value of a list header counts once). */
  maxHeaders: number;
  /** One physical line, bytes. */
  maxLineBytes: number;
  /** One header value after unfolding, bytes. */
  maxHeaderValueBytes: number;
  /** Body, bytes. */
  maxBodyBytes: number;
  /** One URI, characters. */
  maxUriLength: number;
}

export const DEFAULT_SIP_LIMITS: Readonly<SipLimits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxHeaders: 256,
  maxLineBytes: 8 * 1024,
  maxHeaderValueBytes: 16 * 1024,
  maxBodyBytes: 60 * 1024,
  maxUriLength: 4 * 1024,
});

/** Completes partial limits with the defaults and checks they are positive integers. */
export function sipLimits(partial: Partial<SipLimits> = {}): SipLimits {
  const limits = { ...DEFAULT_SIP_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`SIP limit ${key} must be a positive integer, got ${value}`);
    }
  }
  return limits;
}
