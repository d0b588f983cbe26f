import { isIPv6 } from 'node:net';
import type { Clock } from '../../platform/clock.js';
import type { SharedMap } from '../../platform/cluster/cluster.js';

export interface ThrottleOptions {
  /** Failures of one account from one source address before that pair is throttled. */
  maxFailures: number;
  /** Failures from one source address, on any accounts, before the address is throttled. */
  maxFailuresPerAddress: number;
  /** Failures on one account from all addresses before new addresses are throttled for it (0: off). */
  maxFailuresPerAccount: number;
  windowSeconds: number;
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** How long an address that signed in to an account stays exempt from that account's and its own wide budgets. */
  trustedDays: number;
}

export interface ThrottleEntry {
  failures: number;
  last: number;
  lockedUntil: number;
}

/** A success renews the trust of its pair at most this often. */
const TRUST_REFRESH_MS = 3_600_000;

/** How long the shared map must keep an entry after its last failure. */
export const throttleTtlMs = (o: ThrottleOptions) => (o.windowSeconds + o.maxDelaySeconds) * 1000;

/**
 * The key of a client address: IPv4 as is (IPv4-mapped IPv6 included), IPv6 by its /64, because
 * one subscriber usually holds a whole /64 and would otherwise get 2^64 fresh budgets.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups; only the first four groups matter here.
  const missing = 8 - left.length - right.length - (right.some((g) => g.includes('.')) ? 1 : 0);
  const groups = address.includes('::') ? [...left, ...Array(Math.max(missing, 0)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** What the throttle says about an attempt before any secret is checked. */
export interface Admission {
  /** Seconds the caller must wait; 0 lets the attempt go ahead. */
  retryAfter: number;
  /**
   * Lower goes first when checks must wait: -1 for an address that signed in to this account
   * recently, otherwise the recent failures from the address (a flooding address sorts last).
   */
  rank: number;
}

/**
 * The failed-login throttle every protocol's password check goes through (HTTP login today, XMPP
 * SASL and SIP digest later): keyed by account and source address, never by protocol.
 *
 * - per (account, address): `maxFailures`, cleared by that pair's success — a user's own typos;
 * - per address: `maxFailuresPerAddress`, never cleared by a success, so one valid login among
 *   guesses on many accounts (password spraying) does not refresh the budget;
 * - per account: `maxFailuresPerAccount`, against guesses spread over many addresses.
 *
 * Failures from one address never throttle the account from another address: the account-wide
 * budget does not apply to an address that signed in to that account within `trustedDays`, nor
 * does the address budget (such a pair is judged by its own budget only). Over a budget each
 * further failure locks the key for an exponentially growing time. The counts live in the
 * cluster's shared state, so spreading attempts over the nodes gains nothing.
 */
export class LoginThrottle {
  constructor(
    private readonly options: ThrottleOptions,
    private readonly clock: Clock,
    private readonly entries: SharedMap<ThrottleEntry>,
    /** `account|address` → time of the last successful sign-in. */
    private readonly trusted: SharedMap<number>,
  ) {}

  private keys(account: string, source: string | null) {
    const a = account.toLowerCase();
    const s = source === null ? null : addressKey(source);
    return {
      pair: `pair:${a}|${s ?? '-'}`,
      address: s === null ? null : `ip:${s}`,
      account: `account:${a}`,
      trusted: `${a}|${s ?? '-'}`,
    };
  }

  /** Whether a check of `account`'s secret from `source` may run now, and its place in a queue. */
  async admit(account: string, source: string | null): Promise<Admission> {
    const k = this.keys(account, source);
    const [pair, address, wide, trusted] = await Promise.all([
      this.entries.get(k.pair),
      k.address === null ? undefined : this.entries.get(k.address),
      this.options.maxFailuresPerAccount > 0 ? this.entries.get(k.account) : undefined,
      source === null ? undefined : this.trusted.get(k.trusted),
    ]);
    const isTrusted = trusted !== undefined;
    const waits = [pair, ...(isTrusted ? [] : [address, wide])].map((e) => this.wait(e));
    return { retryAfter: Math.max(...waits), rank: isTrusted ? -1 : (this.fresh(address)?.failures ?? 0) };
  }

  /**
   * Records a wrong secret for `account` from `source` on every budget. Returns the budgets this
   * failure locked (`pair`, `address`, `account`): worth a log line, at most one per lock-out.
   */
  async failed(account: string, source: string | null): Promise<string[]> {
    const k = this.keys(account, source);
    const locked = await Promise.all([
      this.fail(k.pair, this.options.maxFailures),
      k.address === null ? false : this.fail(k.address, this.options.maxFailuresPerAddress),
      this.options.maxFailuresPerAccount > 0 ? this.fail(k.account, this.options.maxFailuresPerAccount) : false,
    ]);
    return (['pair', 'address', 'account'] as const).filter((_, i) => locked[i]);
  }

  /**
   * Records a successful sign-in: clears the pair's budget (only) and trusts the pair. Writes only
   * what changes: the pair's entry when it has failures, the trust when it is new or an hour old
   * (a phone that registers every minute costs two reads, not two cluster-wide writes).
   */
  async succeeded(account: string, source: string | null): Promise<void> {
    const k = this.keys(account, source);
    const now = this.clock.now();
    const [pair, trustedAt] = await Promise.all([
      this.entries.get(k.pair),
      source === null ? undefined : this.trusted.get(k.trusted),
    ]);
    await Promise.all([
      pair === undefined ? undefined : this.entries.update(k.pair, () => undefined),
      source === null || (trustedAt !== undefined && now - trustedAt < TRUST_REFRESH_MS)
        ? undefined
        : this.trusted.update(k.trusted, () => now),
    ]);
  }

  /** Counts a failure on `key`; true when it locked the key. */
  private async fail(key: string, max: number): Promise<boolean> {
    let locked = false;
    await this.entries.update(key, (current) => {
      const now = this.clock.now();
      const e = this.fresh(current) ?? { failures: 0, last: now, lockedUntil: 0 };
      const failures = e.failures + 1;
      const over = failures - max;
      locked = over >= 0;
      const lockedUntil = locked
        ? now + Math.min(this.options.baseDelaySeconds * 2 ** over, this.options.maxDelaySeconds) * 1000
        : e.lockedUntil;
      return { failures, last: now, lockedUntil };
    });
    return locked;
  }

  /** Seconds left of an entry's lock-out, or 0. */
  private wait(e: ThrottleEntry | undefined): number {
    const f = this.fresh(e);
    const left = f ? f.lockedUntil - this.clock.now() : 0;
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** The entry unless its window and lock-out are both over. */
  private fresh(e: ThrottleEntry | undefined): ThrottleEntry | undefined {
    const now = this.clock.now();
    if (e && now - e.last > this.options.windowSeconds * 1000 && now >= e.lockedUntil) return undefined;
    return e;
  }
}
