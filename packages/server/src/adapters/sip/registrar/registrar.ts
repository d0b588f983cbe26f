// The registrar (RFC 3261 §10.3): a device authenticates with its own digest secret and binds
// its contacts to its owner's address of record; bindings are cluster state in the core.

import type { Services } from '../../../compose.js';
import { ParleyError } from '../../../core/errors.js';
import type { Binding } from '../../../core/registrations/model.js';
import { eventPackages } from '../b2bua/parts.js';
import { acceptsCsta } from '../b2bua/uacsta.js';
import {
  headerValues,
  isSipUri,
  respond,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  singleHeader,
} from '../message/index.js';
import type { Flow } from '../transport/flow.js';
import { applyRegister, RegisterRefused, type RegistrationLimits } from './bindings.js';
import { checkDigest, type DigestOptions } from './digest.js';

export interface RegistrarOptions {
  core: Services;
  digest: DigestOptions;
  limits: RegistrationLimits;
  newTag: () => string;
  now: () => number;
  /** Path entries this node records in front of a binding over `flow` (itself, for a connection it holds). */
  pathOf: (flow: Flow) => string[];
}

export class Registrar {
  constructor(private readonly o: RegistrarOptions) {}

  async register(request: SipRequest, flow: Flow): Promise<SipResponse> {
    const answer = (status: number, reason: string, headers: SipHeader[] = []) =>
      respond(request, status, reason, { toTag: this.o.newTag(), headers });
    const { uri, to } = request;
    if (!isSipUri(uri) || uri.user !== undefined) return answer(400, 'Bad Request (REGISTER to sip:DOMAIN)');
    const tenant = await this.o.core.tenants.byDomain(uri.host).catch(notFoundAs(undefined));
    if (!tenant) return answer(404, 'Not Found (domain not served here)');
    const auth = await checkDigest(this.o.digest, request, uri.host, tenant.id, flow.remote.address, false);
    if (!auth.ok) return auth.response;
    const { device } = auth;
    const aor = isSipUri(to.uri) && to.uri.user !== undefined ? `${to.uri.user}@${to.uri.host}` : '';
    const owner = aor ? await this.o.core.users.byAddress(aor) : undefined;
    if (!owner || owner.id !== device.userId || owner.tenantId !== tenant.id) {
      return answer(403, 'Forbidden (the device does not belong to this address)');
    }
    const registrations = this.o.core.registrations;
    let bindings: Binding[];
    try {
      bindings =
        request.contact === undefined
          ? await registrations.of(tenant.id, owner.id)
          : await registrations.update(tenant.id, owner.id, (live) =>
              applyRegister(
                live,
                {
                  contact: request.contact ?? [],
                  expires: request.expires,
                  callId: request.callId,
                  cseq: request.cseq.seq,
                  deviceId: device.deviceId,
                  userId: owner.id,
                  node: registrations.node,
                  flow: {
                    id: flow.id,
                    transport: flow.transport,
                    address: flow.remote.address,
                    port: flow.remote.port,
                  },
                  path: [...this.o.pathOf(flow), ...headerValues(request.headers, 'Path')],
                  userAgent: singleHeader(request.headers, 'User-Agent'),
                  events: eventPackages(request),
                  uaCsta: acceptsCsta(request),
                  now: this.o.now(),
                },
                this.o.limits,
              ),
            );
    } catch (err) {
      if (!(err instanceof RegisterRefused)) throw err;
      const { refusal } = err;
      const headers = refusal.status === 423 ? [{ name: 'Min-Expires', value: String(refusal.minExpires) }] : [];
      return answer(refusal.status, refusal.reason, headers);
    }
    const now = this.o.now();
    const headers: SipHeader[] = bindings.map((b) => ({
      name: 'Contact',
      value: `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}${b.instance ? `;+sip.instance="${b.instance.replace(/^"|"$/g, '')}"` : ''}${b.regId !== undefined ? `;reg-id=${b.regId}` : ''}`,
    }));
    headers.push({ name: 'Date', value: new Date(now).toUTCString() });
    const path = headerValues(request.headers, 'Path');
    if (path.length > 0)
      headers.push(...path.map((value) => ({ name: 'Path', value })), { name: 'Supported', value: 'path' });
    if (bindings.some((b) => b.regId !== undefined && b.flow.id === flow.id))
      headers.push({ name: 'Require', value: 'outbound' });
    return answer(200, 'OK', headers);
  }
}

/** Maps a core not-found to `value`; anything else goes on. */
export const notFoundAs =
  <T>(value: T) =>
  (err: unknown): T => {
    if (err instanceof ParleyError && err.code === 'PARLEY_ERR_NOT_FOUND') return value;
    throw err;
  };
