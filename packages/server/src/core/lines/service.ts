import { randomUUID } from 'node:crypto';
import { PickupGroup } from '@parley/api';
import { MAX_INPUT_LENGTH, type NumberingPlan } from '../../lib/phone-number.js';
import type { CoreContext } from '../context.js';
import type { DeviceService } from '../devices/service.js';
import { conflict, invalid, notFound } from '../errors.js';
import { ReadCache } from '../read-cache.js';
import { planOf } from '../tenants/model.js';
import { type Actor, checkMayChange } from '../users/service.js';
import type { Line, OwnedLine } from './model.js';
import { dialledE164, directDialExtension, extensionProblem, isDigits, readDid, sharedDialling } from './numbers.js';

export interface AddLineInput {
  /** The extension, digits. */
  number: string;
  userId: string;
  /** A direct number in any spelling the tenant's numbering plan reads; stored as E.164. */
  did?: string | null | undefined;
  /** The pickup group to put the line in. */
  pickupGroup?: string | null | undefined;
}

function pickupGroupOf(group: string | null | undefined): string | null {
  if (group == null) return null;
  const read = PickupGroup.safeParse(group);
  if (!read.success) throw invalid('pickupGroup', read.error.issues[0]?.message ?? 'not a pickup group name');
  return read.data;
}

/**
 * Lines: numbers owned by users. No dialled string reaches two lines of a tenant: an extension,
 * a DID in any spelling and a DID's digits without '+' are all checked against every other line
 * under the tenant's numbering plan (`numbers.ts`).
 */
export class LineService {
  /** A user's lines by `tenantId userId`: each call reads its parties' (`forget` on each change). */
  private readonly owned: ReadCache<Line[]>;

  constructor(
    private readonly ctx: CoreContext,
    /** A device bound to a removed line is bound to none: its cached devices go too. */
    private readonly devices: DeviceService,
  ) {
    this.owned = new ReadCache(ctx.clock);
  }

  /** Drops the cached lines of the user (all the tenant's without `userId`), after a change here or on another node. */
  forget(tenantId: string, userId?: string): void {
    this.owned.forget(
      (_, key) => key === `${tenantId} ${userId}` || (userId === undefined && key.startsWith(`${tenantId} `)),
    );
  }

  /** Forgets the user's lines and devices here, then tells the other nodes. */
  private async changed(line: Line): Promise<void> {
    this.forget(line.tenantId, line.userId);
    this.devices.forget(line.tenantId, line.userId);
    await this.ctx.bus.publish('line.changed', { tenantId: line.tenantId, userId: line.userId, lineId: line.id });
  }

  /**
   * Gives the user a line; conflict when a dialled string would reach it and another line.
   * @example await core.lines.add(tenantId, { number: '201', userId, did: '+49 711 12345-201' })
   */
  async add(tenantId: string, input: AddLineInput, actor?: Actor): Promise<Line> {
    const plan = await this.plan(tenantId);
    const problem = extensionProblem(input.number, plan);
    if (problem) throw invalid('number', problem);
    let did: string | null = null;
    if (input.did != null) {
      const read = readDid(input.did, plan);
      if ('reason' in read) throw invalid('did', read.reason);
      did = read.e164;
    }
    const pickupGroup = pickupGroupOf(input.pickupGroup);
    const owner = await this.ctx.store.repos.users.get(tenantId, input.userId);
    if (!owner) throw notFound('user');
    checkMayChange(actor, owner, 'add a line of a system administrator');
    const line: Line = {
      id: randomUUID(),
      tenantId,
      userId: owner.id,
      number: input.number,
      did,
      pickupGroup,
      createdAt: this.ctx.clock.now(),
    };
    await this.ctx.store.transaction(async (r) => {
      await r.lines.lockTenant(tenantId);
      for (const other of await r.lines.list(tenantId)) {
        if (other.number === line.number) throw conflict(`extension ${line.number} is taken`);
        if (did !== null && other.did === did) throw conflict(`${did} is the DID of line ${other.number}`);
        const shared = sharedDialling(line, other, plan);
        if (shared !== undefined) throw conflict(`dialling ${shared} would reach line ${other.number} too`);
      }
      await r.lines.insert(line);
    });
    await this.changed(line);
    this.ctx.log.info({ tenantId, userId: owner.id, lineId: line.id, number: line.number, did }, 'line added');
    return line;
  }

  /** The tenant's lines, shortest extension first. */
  list(tenantId: string): Promise<Line[]> {
    return this.ctx.store.repos.lines.list(tenantId);
  }

  /** The tenant's lines with their owners, shortest extension first. */
  async listOwned(tenantId: string): Promise<OwnedLine[]> {
    const lines = await this.list(tenantId);
    const owners = await this.ctx.store.repos.users.byIds(tenantId, [...new Set(lines.map((l) => l.userId))]);
    const byId = new Map(owners.map((u) => [u.id, u]));
    return lines.flatMap((line) => {
      const user = byId.get(line.userId);
      return user ? [{ line, user }] : [];
    });
  }

  async ofUser(tenantId: string, userId: string): Promise<Line[]> {
    return (
      (await this.owned.get(`${tenantId} ${userId}`, () => this.ctx.store.repos.lines.list(tenantId, userId))) ?? []
    );
  }

  async get(tenantId: string, lineId: string): Promise<Line> {
    const line = await this.ctx.store.repos.lines.get(tenantId, lineId);
    if (!line) throw notFound('line');
    return line;
  }

  /**
   * Puts the line with this extension in a pickup group (null: takes it out of its group). Its
   * users pick up calls ringing at the group's other lines (GroupPickup, `*8`).
   * @example await core.lines.setPickupGroup(tenantId, '201', 'sales')
   */
  async setPickupGroup(tenantId: string, number: string, group: string | null, actor?: Actor): Promise<OwnedLine> {
    const pickupGroup = pickupGroupOf(group);
    const repo = this.ctx.store.repos.lines;
    const line = await repo.byNumber(tenantId, number);
    const owner = line && (await this.ctx.store.repos.users.get(tenantId, line.userId));
    if (!line || !owner) throw notFound(`line ${number}`);
    checkMayChange(actor, owner, 'change a line of a system administrator');
    if (!(await repo.setPickupGroup(tenantId, line.id, pickupGroup))) throw notFound(`line ${number}`);
    const changed = { ...line, pickupGroup };
    await this.changed(changed);
    this.ctx.log.info({ tenantId, lineId: line.id, number, pickupGroup }, 'line pickup group set');
    return { line: changed, user: owner };
  }

  /** The lines of the tenant's pickup group `group`. */
  pickupGroup(tenantId: string, group: string): Promise<Line[]> {
    return this.ctx.store.repos.lines.inPickupGroup(tenantId, group);
  }

  /** Removes the line with this extension; its devices stay, bound to no line. */
  async remove(tenantId: string, number: string, actor?: Actor): Promise<Line> {
    const repo = this.ctx.store.repos.lines;
    const line = await repo.byNumber(tenantId, number);
    if (!line) throw notFound(`line ${number}`);
    const owner = await this.ctx.store.repos.users.get(tenantId, line.userId);
    if (owner) checkMayChange(actor, owner, 'remove a line of a system administrator');
    if (!(await repo.delete(tenantId, line.id))) throw notFound(`line ${number}`);
    await this.changed(line);
    this.ctx.log.info({ tenantId, userId: line.userId, lineId: line.id, number }, 'line removed');
    return line;
  }

  /**
   * The line a dialled string reaches — the user part of a Request-URI, unescaped: an extension
   * ('201'), or a DID as a phone sends it ('+4971112345', '004971112345', '071112345', local
   * '12345', direct dial through the plan's PBX base, digits without '+'), read with the tenant's
   * numbering plan — with its owner; undefined when no line has it or its owner is disabled.
   */
  async resolve(tenantId: string, dialled: string): Promise<OwnedLine | undefined> {
    // Extensions are digits and even a vanity number starts with some: no digit, no line (a
    // call to a user's address does not read the numbering plan).
    if (dialled.length > MAX_INPUT_LENGTH || !/\d/.test(dialled)) return undefined;
    const repo = this.ctx.store.repos.lines;
    const digits = isDigits(dialled);
    let line = digits ? await repo.byNumber(tenantId, dialled) : undefined;
    if (!line) {
      const plan = await this.plan(tenantId);
      const e164 = dialledE164(dialled, plan);
      if (e164 !== undefined) {
        line = await repo.byDid(tenantId, e164);
        const extension = line ? undefined : directDialExtension(e164, plan);
        if (extension !== undefined) line = await repo.byNumber(tenantId, extension);
      }
      if (!line && digits) line = await repo.byDid(tenantId, `+${dialled}`);
    }
    if (!line) return undefined;
    const user = await this.ctx.store.repos.users.get(tenantId, line.userId);
    return user && user.disabledAt === null ? { line, user } : undefined;
  }

  private async plan(tenantId: string): Promise<NumberingPlan> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    return planOf(tenant);
  }
}
