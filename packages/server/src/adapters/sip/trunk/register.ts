// Registering with a trunk's provider (RFC 3261 §10.2): for each trunk with `register` on, a
// REGISTER of `sip:USERNAME@<this node>` with the provider's host as registrar, its 401/407 answered
// with the trunk's credentials, refreshed at half its expiry. One node of a cluster registers (a
// lease), so the provider's calls come to it.
import type { Services } from '../../../compose.js';
import type { TrunkRoute } from '../../../core/trunks/model.js';
import type { Logger } from '../../../platform/log.js';
import { newBranch, newTag, ourAddress } from '../b2bua/leg.js';
import { makeRequest, type SipRequest, type SipResponse, singleHeader } from '../message/index.js';
import type { Flow } from '../transport/flow.js';
import type { TrunkFlowFor } from './calls.js';
import { digestAnswer } from './digest.js';

const LEASE = 'sip-trunk-register';
/** What we ask for; the provider may grant less (its Expires or the Contact's expires). */
const EXPIRES = 600;
/** How often the trunks are looked at (new trunks, refreshes due, retries). */
export const CHECK_MS = 5_000;
/** After a failed registration, the next attempt waits this long. */
const RETRY_MS = 60_000;

export interface TrunkRegistrarOptions {
  core: Services;
  log: Logger;
  flows: TrunkFlowFor;
  sender: { sendRequest(request: SipRequest, flow: Flow, onResponse: (response: SipResponse) => void): void };
  now: () => number;
}

interface State {
  callId: string;
  tag: string;
  seq: number;
  /** When the next REGISTER is due. */
  due: number;
  busy: boolean;
}

export class TrunkRegistrar {
  private readonly states = new Map<string, State>();

  constructor(private readonly o: TrunkRegistrarOptions) {
    o.core.ctx.cluster.want(LEASE);
  }

  /** One round: every registering trunk whose REGISTER is due gets one. */
  async check(): Promise<void> {
    if (!this.o.core.ctx.cluster.holds(LEASE)) return;
    const routes = await this.o.core.trunks.registering();
    const live = new Set(routes.map((r) => r.trunk.id));
    for (const id of this.states.keys()) if (!live.has(id)) this.states.delete(id);
    for (const route of routes) {
      const state = this.states.get(route.trunk.id) ?? {
        callId: `${newTag()}${newTag()}@parley`,
        tag: newTag(),
        seq: 1,
        due: 0,
        busy: false,
      };
      this.states.set(route.trunk.id, state);
      if (state.busy || state.due > this.o.now()) continue;
      state.busy = true;
      void this.register(route, state).finally(() => {
        state.busy = false;
      });
    }
  }

  private async register(route: TrunkRoute, state: State): Promise<void> {
    const { trunk } = route;
    const log = { tenantId: trunk.tenantId, trunk: trunk.name };
    const flow = await this.o.flows(route).catch(() => undefined);
    if (!flow) {
      state.due = this.o.now() + RETRY_MS;
      return;
    }
    let response = await this.send(route, state, flow);
    if ((response.status === 401 || response.status === 407) && route.credentials) {
      const challenge = singleHeader(
        response.headers,
        response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate',
      );
      if (challenge) {
        const header = response.status === 401 ? 'Authorization' : 'Proxy-Authorization';
        const value = digestAnswer(challenge, { method: 'REGISTER', uri: registrar(route), ...route.credentials });
        response = await this.send(route, state, flow, { name: header, value });
      }
    }
    if (response.status >= 200 && response.status < 300) {
      const granted = grantedSeconds(response) ?? EXPIRES;
      state.due = this.o.now() + (granted * 1000) / 2;
      this.o.log.info({ ...log, expires: granted }, 'SIP trunk registered with its provider');
    } else {
      state.due = this.o.now() + RETRY_MS;
      this.o.log.warn({ ...log, status: response.status }, 'SIP trunk registration refused by its provider');
    }
  }

  private send(
    route: TrunkRoute,
    state: State,
    flow: Flow,
    auth?: { name: string; value: string },
  ): Promise<SipResponse> {
    const { trunk } = route;
    const user = route.credentials?.username ?? '';
    const aor = `<sip:${user}@${hostPart(trunk.host)}>`;
    const { sentBy } = ourAddress(flow);
    const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
    const request = makeRequest('REGISTER', registrar(route), [
      { name: 'Via', value: `SIP/2.0/${flow.transport} ${sentBy};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: `${aor};tag=${state.tag}` },
      { name: 'To', value: aor },
      { name: 'Call-ID', value: state.callId },
      { name: 'CSeq', value: `${state.seq++} REGISTER` },
      { name: 'Contact', value: `<sip:${user}@${sentBy}${transport}>` },
      { name: 'Expires', value: String(EXPIRES) },
      ...(auth ? [auth] : []),
    ]);
    return new Promise((resolve) => this.o.sender.sendRequest(request, flow, resolve));
  }
}

const hostPart = (host: string) => (host.includes(':') ? `[${host}]` : host);
/** The registrar's URI: the provider's domain (its host) and port. */
const registrar = (route: TrunkRoute) => `sip:${hostPart(route.trunk.host)}:${route.trunk.port}`;

/** The expiry the registrar granted: the Contact's `expires`, else the Expires header. */
function grantedSeconds(response: SipResponse): number | undefined {
  const contacts = response.contact === '*' ? [] : (response.contact ?? []);
  const param = contacts[0]?.params.get('expires') ?? singleHeader(response.headers, 'Expires');
  const n = param === undefined || param === null ? Number.NaN : Number(param);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
