import { randomInt, randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../../platform/store/errors.js';
import type { CoreContext } from '../context.js';
import { invalid, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import { sipHa1 } from '../users/credentials.js';
import { addressOf, type User } from '../users/model.js';
import { type Actor, checkMayChange, type UserService } from '../users/service.js';
import type { Device, DeviceCredentials, DeviceDigests } from './model.js';

/** Letters and digits only: every phone's keypad and provisioning format takes them. */
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 24 characters of 62: about 143 bits. */
const SECRET_LENGTH = 24;
/** Random characters after the user's local part in a device's digest user name. */
const USERNAME_SUFFIX = 6;
const USERNAME_ATTEMPTS = 5;

const randomString = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** A new device secret: uniform over the alphabet (crypto `randomInt`, no modulo bias). */
export const generateDeviceSecret = () => randomString(SECRET_ALPHABET, SECRET_LENGTH);

/** A device's digest credentials and its owner's address: the account its failed checks count against. */
export type SipCredentials = DeviceCredentials & { account: string };

const digestsOf = (username: string, realm: string, secret: string): DeviceDigests => ({
  ha1Md5: sipHa1('md5', username, realm, secret),
  ha1Sha256: sipHa1('sha256', username, realm, secret),
});

/**
 * A user's SIP devices. Each gets its own generated secret, never the login password: it is
 * returned once (at creation and at each rotation) and kept only as digest HA1s, so a stolen
 * database yields no password and a leaked device secret opens nothing but that device.
 */
export class DeviceService {
  /** By `tenantId username`: each digest check reads one (`forget` on each change). */
  private readonly credentials: ReadCache<DeviceCredentials>;
  /** A user's devices by `tenantId userId`: each call reads its parties'. */
  private readonly lists: ReadCache<Device[]>;

  constructor(
    private readonly ctx: CoreContext,
    /** Owners as the user service caches them: it forgets a disabled owner at once. */
    private readonly users: Pick<UserService, 'lookup'>,
  ) {
    this.credentials = new ReadCache(ctx.clock);
    this.lists = new ReadCache(ctx.clock);
  }

  /** Drops what is cached of the user's devices (after a change here or on another node; all the tenant's without `userId`). */
  forget(tenantId: string, userId?: string): void {
    const mine = (key: string, owner: string) =>
      key.startsWith(`${tenantId} `) && (userId === undefined || owner === userId);
    this.credentials.forget((c, key) => mine(key, c.userId));
    this.lists.forget((_, key) => mine(key, key.slice(tenantId.length + 1)));
  }

  /** Forgets the user's devices here, then tells the other nodes. */
  private async changed(tenantId: string, userId: string, deviceId: string): Promise<void> {
    this.forget(tenantId, userId);
    await this.ctx.bus.publish('device.changed', { tenantId, userId, deviceId });
  }

  /**
   * Creates a device for the user; the secret is in the answer and nowhere else. With `line` (an
   * extension of the user's) the device rings for that line only; without, for all their lines.
   */
  async create(
    tenantId: string,
    userId: string,
    input: { name: string; line?: string | undefined },
    actor?: Actor,
  ): Promise<{ device: Device; password: string }> {
    const user = await this.owner(tenantId, userId, actor, 'add a device of a system administrator');
    let lineId: string | null = null;
    if (input.line !== undefined) {
      const line = await this.ctx.store.repos.lines.byNumber(tenantId, input.line);
      if (!line) throw notFound(`line ${input.line}`);
      if (line.userId !== userId) throw invalid('line', `line ${input.line} is not a line of ${addressOf(user)}`);
      lineId = line.id;
    }
    const password = generateDeviceSecret();
    for (let attempt = 1; ; attempt++) {
      const device: Device = {
        id: randomUUID(),
        tenantId,
        userId,
        name: input.name,
        username: `${user.local}-${randomString('abcdefghijkmnpqrstuvwxyz23456789', USERNAME_SUFFIX)}`,
        realm: user.domain,
        createdAt: this.ctx.clock.now(),
        rotatedAt: null,
        lineId,
      };
      try {
        await this.ctx.store.repos.devices.insert(device, digestsOf(device.username, device.realm, password));
      } catch (err) {
        // A user name already taken in the tenant: draw another.
        if (isUniqueViolation(err) && attempt < USERNAME_ATTEMPTS) continue;
        throw err;
      }
      await this.changed(tenantId, userId, device.id);
      this.ctx.log.info({ tenantId, userId, deviceId: device.id, lineId }, 'device created');
      return { device, password };
    }
  }

  async list(tenantId: string, userId: string): Promise<Device[]> {
    const devices = await this.lists.get(`${tenantId} ${userId}`, async () => {
      await this.owner(tenantId, userId);
      return this.ctx.store.repos.devices.list(tenantId, userId);
    });
    return devices ?? [];
  }

  /**
   * The devices a call to the line rings (the SIP layer forks to each): those bound to it and
   * those of its owner bound to no line.
   */
  async ofLine(tenantId: string, lineId: string): Promise<Device[]> {
    const line = await this.ctx.store.repos.lines.get(tenantId, lineId);
    if (!line) throw notFound('line');
    return this.ctx.store.repos.devices.ofLine(tenantId, line.userId, line.id);
  }

  /** Gives the device a new secret (returned once); the old one stops working at once. */
  async rotate(
    tenantId: string,
    userId: string,
    deviceId: string,
    actor?: Actor,
  ): Promise<{ device: Device; password: string }> {
    await this.owner(tenantId, userId, actor, 'change a device of a system administrator');
    const repo = this.ctx.store.repos.devices;
    const device = await repo.get(tenantId, userId, deviceId);
    if (!device) throw notFound('device');
    const password = generateDeviceSecret();
    const now = this.ctx.clock.now();
    if (!(await repo.setDigests(tenantId, userId, deviceId, digestsOf(device.username, device.realm, password), now)))
      throw notFound('device');
    await this.changed(tenantId, userId, deviceId);
    this.ctx.log.info({ tenantId, userId, deviceId }, 'device secret rotated');
    return { device: { ...device, rotatedAt: now }, password };
  }

  async remove(tenantId: string, userId: string, deviceId: string, actor?: Actor): Promise<void> {
    await this.owner(tenantId, userId, actor, 'remove a device of a system administrator');
    if (!(await this.ctx.store.repos.devices.delete(tenantId, userId, deviceId))) throw notFound('device');
    await this.changed(tenantId, userId, deviceId);
    this.ctx.log.info({ tenantId, userId, deviceId }, 'device removed');
  }

  /**
   * The digests of the device that registers as `username` in the tenant (for SIP digest
   * authentication, RFC 8760: MD5 or SHA-256), or undefined — also when its owner is disabled.
   */
  async credentialsFor(tenantId: string, username: string): Promise<SipCredentials | undefined> {
    const credentials = await this.credentials.get(`${tenantId} ${username}`, () =>
      this.ctx.store.repos.devices.credentials(tenantId, username),
    );
    if (!credentials) return undefined;
    const owner = await this.users.lookup(tenantId, credentials.userId);
    return owner && owner.disabledAt === null ? { ...credentials, account: addressOf(owner) } : undefined;
  }

  /** The device owner, after checking that `actor` may change their devices. */
  private async owner(tenantId: string, userId: string, actor?: Actor, what?: string): Promise<User> {
    const user = await this.ctx.store.repos.users.get(tenantId, userId);
    if (!user) throw notFound('user');
    if (what) checkMayChange(actor, user, what);
    return user;
  }
}
