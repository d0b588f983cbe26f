import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { SharedMap } from '../../platform/cluster/cluster.js';
import type { CoreContext } from '../context.js';
import type { DeviceService, SipCredentials } from '../devices/service.js';
import { ParleyError } from '../errors.js';
import { type DerivedCredentials, dummyHash, type ScramKeys, scramKeys, verifyPassword } from '../users/credentials.js';
import type { User } from '../users/model.js';
import type { UserService } from '../users/service.js';
import { HashQueue } from './hash-queue.js';
import { ownAuthzid, parsePlain, saslAccount } from './sasl.js';
import { SCRAM_MECHANISMS, type ScramErrorValue, type ScramMechanism, ScramServer, scramFailure } from './scram.js';
import { type DigestParams, verifyDigest } from './sip-digest.js';
import { addressKey, LoginThrottle, type ThrottleEntry, type ThrottleOptions, throttleTtlMs } from './throttle.js';

export interface CredentialCheckOptions {
  scryptCost: number;
  scramIterations: number;
  maxConcurrentHashes: number;
  maxQueuedHashes: number;
  maxQueuedHashesPerAddress: number;
  throttle: ThrottleOptions;
}

/** The protocols that check a user's secret; the name goes into logs only, never into a budget. */
export type AuthProtocol = 'http' | 'xmpp' | 'sip' | 'csta' | 'ldap';

/** Who tries to sign in: the protocol, and the client's address (null when there is none, as in the CLI). */
export interface Attempt {
  protocol: AuthProtocol;
  address: string | null;
}

/** A step of a SCRAM exchange: the message to send, or why it failed (with a wait when throttled). */
export type ScramStep =
  | { ok: true; message: string }
  | { ok: false; error: ScramErrorValue; message: string; retryAfter: number };

const throttled = (retryAfter: number) =>
  new ParleyError('PARLEY_ERR_TOO_MANY_REQUESTS', undefined, undefined, retryAfter);
const invalidCredentials = () => new ParleyError('PARLEY_ERR_INVALID_CREDENTIALS');

/** How long the cluster keeps the secret behind unknown users' SCRAM salts after it was made. */
const DECOY_TTL_MS = 366 * 86_400_000;

/**
 * Every protocol's check of a user's secret, and the one throttle they all draw on: a password
 * guessed over XMPP or SIP counts against the same budgets (per account, per address, per pair;
 * shared in the cluster) as one guessed over HTTP. Adapters call it and never read the store.
 *
 * - `password`: a login password (HTTP sign-in; scrypt in the bounded hash queue);
 * - `plain`: SASL PLAIN (RFC 4616), the same check; adapters offer it only over TLS;
 * - `scram`: a SASL SCRAM-SHA-1/-256 (-PLUS) exchange against the stored SCRAM keys;
 * - `sipDigest`: a SIP Digest response against a device's stored HA1s.
 *
 * A check over a budget is refused before any secret is looked at (PARLEY_ERR_TOO_MANY_REQUESTS
 * with `retryAfterSeconds`, or a SCRAM step with `retryAfter`); a wrong secret, an unknown
 * account and a disabled user fail alike (PARLEY_ERR_INVALID_CREDENTIALS).
 */
export class AuthService {
  /** The one login throttle of every protocol (keys: account and source address). */
  readonly throttle: LoginThrottle;
  /** Bounds the slow password hashes; `hashing.stats()` tells how many run and how many were refused. */
  readonly hashing: HashQueue;
  private dummy: Promise<string> | undefined;
  /** Holds the secret behind `clusterKey` (e.g. unknown users' SCRAM salts), made by the first node that needs it. */
  private readonly decoySecret: SharedMap<string>;
  private clusterSecret: Buffer | undefined;

  constructor(
    protected readonly ctx: CoreContext,
    protected readonly options: CredentialCheckOptions,
    private readonly devices: DeviceService,
    /** The accounts (cached by address like every read of a user: a change forgets them at once). */
    private readonly users: Pick<UserService, 'byAddress'>,
  ) {
    this.throttle = new LoginThrottle(
      options.throttle,
      ctx.clock,
      ctx.cluster.shared<ThrottleEntry>('auth_throttle', throttleTtlMs(options.throttle)),
      ctx.cluster.shared<number>('auth_trusted', options.throttle.trustedDays * 86_400_000),
    );
    this.decoySecret = ctx.cluster.shared<string>('auth_decoy', DECOY_TTL_MS);
    this.hashing = new HashQueue({
      maxConcurrent: options.maxConcurrentHashes,
      maxWaiting: options.maxQueuedHashes,
      maxWaitingPerSource: options.maxQueuedHashesPerAddress,
      now: () => ctx.clock.now(),
    });
  }

  /**
   * Checks a login password: the throttle first, then a place in the bounded hash queue, then
   * scrypt; an attempt over a budget, or one the queue has no room for, is refused without
   * hashing. A success derives the SCRAM-SHA-1 keys a password from before them lacks.
   */
  async password(attempt: Attempt & { account: string; password: string }): Promise<User> {
    const { account, password } = attempt;
    const { retryAfter, rank } = await this.throttle.admit(account, attempt.address);
    if (retryAfter > 0) throw throttled(retryAfter);

    const user = await this.users.byAddress(account);
    const credentials = user && (await this.ctx.store.repos.credentials.get(user.tenantId, user.id));
    // Unknown users cost the same scrypt as known ones.
    this.dummy ??= dummyHash(this.options.scryptCost);
    const stored = credentials?.passwordHash ?? (await this.dummy);
    const source = attempt.address === null ? '-' : addressKey(attempt.address);
    const ok = await this.hashing.run(source, rank, () => verifyPassword(password, stored));
    if (!ok || !user || !credentials || user.disabledAt !== null) {
      await this.failed(attempt, account);
      throw invalidCredentials();
    }
    await this.throttle.succeeded(account, attempt.address);
    if (credentials.scramSha1 === null) await this.addScramSha1(user, password, credentials);
    return user;
  }

  /** SASL PLAIN: the message's identity in the connection's `domain`, checked as `password`. */
  async plain(attempt: Attempt & { domain: string; message: Buffer }): Promise<User> {
    const plain = parsePlain(attempt.message);
    if (!plain) throw new ParleyError('PARLEY_ERR_VALIDATION', 'not a SASL PLAIN message');
    const account = saslAccount(plain.authcid, attempt.domain);
    if (!ownAuthzid(plain.authzid, account)) {
      throw new ParleyError('PARLEY_ERR_FORBIDDEN', 'signing in as another user is not allowed');
    }
    return this.password({ protocol: attempt.protocol, address: attempt.address, account, password: plain.password });
  }

  /**
   * Starts a SCRAM exchange (RFC 5802, RFC 7677) for a connection to `domain`; a -PLUS
   * mechanism needs the channel's binding data by type (`tls-exporter`, `tls-server-end-point`),
   * which must also be given to refuse a downgrade when -PLUS was offered.
   *
   * @example
   * const scram = core.auth.scram({ protocol: 'xmpp', address, domain, mechanism: 'SCRAM-SHA-256' });
   * const challenge = await scram.start(initialResponse); // send challenge.message
   * const outcome = await scram.finish(response);           // outcome.user on success
   */
  scram(
    attempt: Attempt & {
      mechanism: ScramMechanism;
      domain: string;
      channelBindings?: Readonly<Record<string, Buffer>>;
    },
  ): ScramExchange {
    return new ScramExchange(
      attempt,
      new ScramServer(attempt.mechanism, { channelBindings: attempt.channelBindings ?? {} }),
      {
        lookup: (account) => this.scramKeysOf(account, SCRAM_MECHANISMS[attempt.mechanism].hash),
        admit: async (account) => (await this.throttle.admit(account, attempt.address)).retryAfter,
        failed: (account) => this.failed(attempt, account),
        succeeded: (account) => this.throttle.succeeded(account, attempt.address),
      },
    );
  }

  /**
   * Checks a SIP Digest response (qop=auth, MD5 or SHA-256) of a request `method requestUri`
   * against the device registering as `authorization.username` in the tenant; returns the device.
   * Failures count against the device owner's account, as a wrong login password would.
   */
  async sipDigest(
    attempt: Omit<Attempt, 'protocol'> & {
      tenantId: string;
      method: string;
      requestUri: string;
      authorization: DigestParams;
    },
  ): Promise<SipCredentials> {
    const { authorization: params } = attempt;
    const device = await this.devices.credentialsFor(attempt.tenantId, params.username);
    const account = device?.account ?? `${params.username}@${params.realm}`;
    const { retryAfter } = await this.throttle.admit(account, attempt.address);
    if (retryAfter > 0) throw throttled(retryAfter);
    if (!device || !verifyDigest(params, attempt.method, attempt.requestUri, device)) {
      await this.failed({ protocol: 'sip', address: attempt.address }, account);
      throw invalidCredentials();
    }
    await this.throttle.succeeded(account, attempt.address);
    return device;
  }

  /**
   * Checks a generated secret that is not a user's (an application account's) against the same
   * budgets as a password: `check` runs only when the throttle admits the attempt and yields what
   * signed in, or undefined for a wrong secret or unknown account (PARLEY_ERR_INVALID_CREDENTIALS).
   */
  async secret<T>(attempt: Attempt & { account: string }, check: () => Promise<T | undefined>): Promise<T> {
    const { retryAfter } = await this.throttle.admit(attempt.account, attempt.address);
    if (retryAfter > 0) throw throttled(retryAfter);
    const found = await check();
    if (found === undefined) {
      await this.failed(attempt, attempt.account);
      throw invalidCredentials();
    }
    await this.throttle.succeeded(attempt.account, attempt.address);
    return found;
  }

  /** Counts a failure on every budget; the failure that locks one is worth a log line. */
  private async failed(attempt: Attempt, account: string): Promise<void> {
    const locked = await this.throttle.failed(account, attempt.address);
    if (locked.length > 0) {
      this.ctx.log.warn(
        { account, source: attempt.address, protocol: attempt.protocol, budgets: locked },
        'login throttled: too many failures',
      );
    }
  }

  /**
   * A 32-byte key every node of the cluster derives alike for `purpose` (e.g. the SIP nonces one
   * node issues and another checks), from one random secret the first node that needs it makes.
   */
  async clusterKey(purpose: string): Promise<Buffer> {
    if (!this.clusterSecret) {
      let secret = await this.decoySecret.get('secret');
      if (secret === undefined) {
        await this.decoySecret.update('secret', (current) => current ?? randomBytes(32).toString('base64'));
        secret = (await this.decoySecret.get('secret')) as string;
      }
      this.clusterSecret = Buffer.from(secret, 'base64');
    }
    return Buffer.from(hkdfSync('sha256', this.clusterSecret, Buffer.alloc(0), `parley ${purpose}`, 32));
  }

  /** The SCRAM keys of an enabled user, or a decoy's (`user` null). */
  private async scramKeysOf(account: string, hash: 'sha1' | 'sha256'): Promise<ScramLookup> {
    const user = await this.users.byAddress(account);
    const credentials = user && (await this.ctx.store.repos.credentials.get(user.tenantId, user.id));
    const keys = credentials && (hash === 'sha1' ? credentials.scramSha1 : credentials.scram);
    if (user && keys && user.disabledAt === null) return { user, keys };
    // A user whose password predates the SCRAM-SHA-1 keys cannot succeed: not a guess to count.
    return { user: null, keys: await this.decoy(account, hash), counted: !credentials || keys !== null };
  }

  /**
   * Keys for an unknown account that look like a real user's: the salt is derived from a secret
   * the cluster shares, so every node answers the same for the same name, and it never verifies.
   */
  private async decoy(account: string, hash: 'sha1' | 'sha256'): Promise<ScramKeys> {
    const salt = createHmac('sha256', await this.clusterKey('scram-decoy'))
      .update(`${hash}|${account.toLowerCase()}`)
      .digest()
      .subarray(0, 16);
    const random = () => randomBytes(hash === 'sha1' ? 20 : 32).toString('base64');
    return {
      salt: salt.toString('base64'),
      iterations: this.options.scramIterations,
      storedKey: random(),
      serverKey: random(),
    };
  }

  private async addScramSha1(user: User, password: string, credentials: DerivedCredentials): Promise<void> {
    const keys = await scramKeys('sha1', password, randomBytes(16), this.options.scramIterations);
    await this.ctx.store.repos.credentials.addScramSha1(user.tenantId, user.id, keys, credentials.passwordHash);
  }
}

/** The keys a SCRAM exchange runs on; `counted`: whether a wrong proof is a guess for the throttle. */
type ScramLookup = { user: User; keys: ScramKeys } | { user: null; keys: ScramKeys; counted: boolean };

interface ScramHooks {
  lookup(account: string): Promise<ScramLookup>;
  admit(account: string): Promise<number>;
  failed(account: string): Promise<void>;
  succeeded(account: string): Promise<void>;
}

/** One SCRAM exchange of a connection: `start` with the client-first-message, `finish` with the client-final. */
export class ScramExchange {
  private account = '';
  private user: User | null = null;
  private counted = false;

  constructor(
    private readonly attempt: { domain: string },
    private readonly server: ScramServer,
    private readonly hooks: ScramHooks,
  ) {}

  /** The server-first-message to send, or a failure (`retryAfter` > 0: throttled, nothing was looked up). */
  async start(clientFirst: string): Promise<ScramStep> {
    const first = this.server.clientFirst(clientFirst);
    if (!first.ok) return { ...first, retryAfter: 0 };
    this.account = saslAccount(first.username, this.attempt.domain);
    if (!ownAuthzid(first.authzid, this.account)) {
      return { ...scramFailure('other-error'), retryAfter: 0 };
    }
    const retryAfter = await this.hooks.admit(this.account);
    if (retryAfter > 0) return { ...scramFailure('other-error'), retryAfter };
    const found = await this.hooks.lookup(this.account);
    this.user = found.user;
    this.counted = found.user !== null || found.counted;
    return { ok: true, message: this.server.serverFirst(found.keys) };
  }

  /** The server-final-message and the signed-in user, or a failure (a wrong proof counts against the throttle). */
  async finish(clientFinal: string): Promise<{ ok: true; message: string; user: User } | (ScramStep & { ok: false })> {
    const final = this.server.clientFinal(clientFinal);
    if (final.ok && this.user) {
      await this.hooks.succeeded(this.account);
      return { ok: true, message: final.message, user: this.user };
    }
    const failure = final.ok ? scramFailure('invalid-proof') : final;
    if (failure.error === 'invalid-proof' && this.counted) await this.hooks.failed(this.account);
    return { ...failure, retryAfter: 0 };
  }
}
