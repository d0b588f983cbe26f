import { randomUUID } from 'node:crypto';
import { nationalDialString, normalize } from '../../lib/phone-number.js';
import { type OutboundPolicy, OutboundRefusedError } from '../../platform/outbound.js';
import type { SecretSealer } from '../../platform/secrets.js';
import type { Party } from '../calls/model.js';
import type { CoreContext } from '../context.js';
import { conflict, notFound, ParleyError } from '../errors.js';
import { readDid } from '../lines/numbers.js';
import { ReadCache } from '../read-cache.js';
import { planOf } from '../tenants/model.js';
import { type AddTrunkInput, TRUNK_NAME, type Trunk, type TrunkRoute } from './model.js';
import { fromSources, readSource, type Source } from './sources.js';

export interface TrunkOptions {
  secrets: SecretSealer;
  /** The one outbound policy (DESIGN §9): a trunk host is a connection a tenant admin chooses. */
  outbound: OutboundPolicy;
}

/** The context a trunk's password is sealed for: it opens for that trunk's row only. */
const secretContext = (tenantId: string, id: string) => `sip-trunk:${tenantId}:${id}`;

const DEFAULT_PORTS = { udp: 5060, tcp: 5060, tls: 5061 } as const;

/**
 * SIP trunks (`core.trunks`): a tenant admin connects the tenant to a provider's (ITSP) or a PBX's
 * gateway; the SIP switch calls numbers outside the tenant over the first one, and takes calls
 * from any of them to the tenant's DIDs. Hosts go through the one outbound policy.
 */
export class TrunkService {
  /** Every tenant's trunks, read once for the INVITEs that may come from one (`from`). */
  private readonly everyTrunk: ReadCache<Trunk[]>;

  constructor(
    private readonly ctx: CoreContext,
    private readonly options: TrunkOptions,
  ) {
    this.everyTrunk = new ReadCache(ctx.clock);
  }

  /** Drops what is cached of the trunks (they changed, here or on another node). */
  forget(): void {
    this.everyTrunk.forget();
  }

  private async changed(tenantId: string): Promise<void> {
    this.forget();
    await this.ctx.bus.publish('trunk.changed', { tenantId });
  }

  /**
   * Adds a trunk. The host must be allowed by the outbound policy (a loopback or private address
   * only when `outbound.allow` lists it); every problem is reported at its field.
   * @example await core.trunks.add(tenantId, { name: 'itsp', host: 'sip.provider.example', username: 'u', password: 'p' });
   */
  async add(tenantId: string, input: AddTrunkInput): Promise<Trunk> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) throw notFound('tenant');
    const problems: { path: string; message: string }[] = [];
    if (!TRUNK_NAME.test(input.name))
      problems.push({ path: 'name', message: 'lower-case letters, digits, ".", "_" or "-", at most 64' });
    const transport = input.transport ?? 'udp';
    const port = input.port ?? DEFAULT_PORTS[transport];
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push({ path: 'port', message: '1 to 65535' });
    if (input.password !== undefined && input.username === undefined)
      problems.push({ path: 'password', message: 'a password needs a username' });
    if (input.register && (input.username === undefined || input.password === undefined))
      problems.push({ path: 'register', message: 'registering needs a username and a password' });
    let callerId: string | null = null;
    if (input.callerId !== undefined) {
      const read = readDid(input.callerId, planOf(tenant));
      if ('reason' in read) problems.push({ path: 'callerId', message: read.reason });
      else callerId = read.e164;
    }
    (input.inboundSources ?? []).forEach((entry, i) => {
      const source = readSource(entry);
      if (typeof source === 'string') problems.push({ path: `inboundSources.${i}`, message: source });
    });
    const host = input.host.trim().toLowerCase();
    try {
      await this.options.outbound.resolve(host);
    } catch (err) {
      // A name that does not resolve now may later; a refused address is refused now.
      if (err instanceof OutboundRefusedError) problems.push({ path: 'host', message: err.message });
    }
    if (problems.length > 0) {
      const [first] = problems as [{ path: string; message: string }];
      throw new ParleyError('PARLEY_ERR_VALIDATION', `${first.path}: ${first.message}`, problems);
    }
    if (await this.ctx.store.repos.trunks.byName(tenantId, input.name)) throw conflict(`trunk ${input.name} exists`);
    const trunk: Trunk = {
      id: randomUUID(),
      tenantId,
      name: input.name,
      host,
      port,
      transport,
      username: input.username ?? null,
      hasPassword: input.password !== undefined,
      register: input.register ?? false,
      numberFormat: input.numberFormat ?? 'e164',
      callerId,
      inboundSources: (input.inboundSources ?? []).map((s) => s.trim()),
      createdAt: this.ctx.clock.now(),
    };
    const sealed =
      input.password === undefined
        ? null
        : this.options.secrets.seal(input.password, secretContext(tenantId, trunk.id));
    await this.ctx.store.repos.trunks.insert(trunk, sealed);
    await this.changed(tenantId);
    this.ctx.log.info({ tenantId, trunk: trunk.name, host, port, transport }, 'SIP trunk added');
    return trunk;
  }

  list(tenantId: string): Promise<Trunk[]> {
    return this.ctx.store.repos.trunks.list(tenantId);
  }

  async remove(tenantId: string, name: string): Promise<void> {
    if (!(await this.ctx.store.repos.trunks.remove(tenantId, name))) throw notFound(`trunk ${name}`);
    await this.changed(tenantId);
  }

  /**
   * The E.164 number `dialled` means when it is a number outside the tenant's lines under its
   * numbering plan (national, international, local …; not an extension), else undefined. Which
   * lines the tenant has is the caller's to check first.
   */
  async external(tenantId: string, dialled: string): Promise<string | undefined> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) return undefined;
    const n = normalize(dialled, planOf(tenant));
    return n.ok && n.kind === 'e164' && n.extension === undefined ? n.e164 : undefined;
  }

  /**
   * How a call to an external number leaves: over the tenant's first trunk, to an address the
   * outbound policy allowed, with the number as the provider wants it and the number presented
   * for `caller` (its line's DID, else the trunk's caller ID). Undefined when the tenant has no
   * trunk; throws OutboundRefusedError when the policy refuses its host.
   */
  async route(
    tenantId: string,
    e164: string,
    caller?: Party,
  ): Promise<(TrunkRoute & { dial: string; presented: string | undefined }) | undefined> {
    const [trunk] = await this.list(tenantId);
    if (!trunk) return undefined;
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    if (!tenant) return undefined;
    const [address] = await this.options.outbound.resolve(trunk.host);
    if (!address) return undefined;
    const line = caller?.lineId ? await this.ctx.store.repos.lines.get(tenantId, caller.lineId) : undefined;
    const plan = planOf(tenant);
    const format = (n: string) => (trunk.numberFormat === 'national' ? nationalDialString(n, plan) : n);
    const presentedE164 = line?.did ?? trunk.callerId ?? (caller?.number?.startsWith('+') ? caller.number : undefined);
    const sealed = trunk.hasPassword ? await this.ctx.store.repos.trunks.passwordSealed(tenantId, trunk.id) : null;
    return {
      trunk,
      address: { host: address.address, port: trunk.port },
      ...(trunk.username !== null &&
        sealed !== null && {
          credentials: {
            username: trunk.username,
            password: this.options.secrets.open(sealed, secretContext(tenantId, trunk.id)),
          },
        }),
      dial: format(e164),
      presented: presentedE164 === undefined ? undefined : format(presentedE164),
    };
  }

  /**
   * Every tenant's trunks that register with their provider, each with an address the outbound
   * policy allowed and its credentials; a trunk whose host is refused or does not resolve is left
   * out (and logged).
   */
  async registering(): Promise<TrunkRoute[]> {
    const routes: TrunkRoute[] = [];
    const all = (await this.everyTrunk.get('all', () => this.ctx.store.repos.trunks.all())) ?? [];
    for (const trunk of all) {
      if (!trunk.register || trunk.username === null) continue;
      try {
        const [address] = await this.options.outbound.resolve(trunk.host);
        const sealed = await this.ctx.store.repos.trunks.passwordSealed(trunk.tenantId, trunk.id);
        if (!address || sealed === null) continue;
        const password = this.options.secrets.open(sealed, secretContext(trunk.tenantId, trunk.id));
        routes.push({
          trunk,
          address: { host: address.address, port: trunk.port },
          credentials: { username: trunk.username, password },
        });
      } catch (err) {
        this.ctx.log.warn(
          { tenantId: trunk.tenantId, trunk: trunk.name, err: err instanceof Error ? err.message : String(err) },
          'SIP trunk not registered: its host is not reachable',
        );
      }
    }
    return routes;
  }

  /**
   * The trunks a request from `address`:`port` may come from (any tenant's: one provider serves
   * many): those whose inbound sources name it, or (without sources) whose host resolves to that
   * address, from the trunk's port (what a provider sends from, and the far end of a connection
   * Parley opened). Which of them it is, the called DID says.
   */
  async from(address: string, port: number): Promise<Trunk[]> {
    const found: Trunk[] = [];
    const all = (await this.everyTrunk.get('all', () => this.ctx.store.repos.trunks.all())) ?? [];
    for (const trunk of all) {
      const sources =
        trunk.inboundSources.length > 0
          ? trunk.inboundSources.map(readSource).filter((s): s is Source => typeof s !== 'string')
          : await this.hostSources(trunk);
      if (fromSources(sources, address, port)) found.push(trunk);
    }
    return found;
  }

  /** The caller's number from a trunk as E.164 under the tenant's plan (as sent when it reads as none). */
  async callerNumber(tenantId: string, raw: string): Promise<string> {
    const tenant = await this.ctx.store.repos.tenants.get(tenantId);
    const n = tenant ? normalize(raw, planOf(tenant)) : undefined;
    return n?.ok && n.kind === 'e164' ? n.e164 : raw;
  }

  private async hostSources(trunk: Trunk): Promise<Source[]> {
    try {
      const addresses = await this.options.outbound.resolve(trunk.host);
      return addresses.flatMap((a) => {
        const s = readSource(a.address);
        return typeof s === 'string' ? [] : [{ ...s, port: trunk.port }];
      });
    } catch {
      return [];
    }
  }
}
