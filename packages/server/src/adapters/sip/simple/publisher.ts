// PUBLISH (RFC 3903) for `presence`: a device publishes its user's state, which the compositor
// keeps and hands to the core as one presence input per publication. Publications are kept in
// memory on the node that took them; the core's input expires with them even if the node dies.
import type { Services } from '../../../compose.js';
import type { Logger } from '../../../platform/log.js';
import { isSipUri, respond, SipParseError, type SipRequest, type SipResponse } from '../message/index.js';
import { authenticateCaller } from '../registrar/caller.js';
import type { DigestOptions } from '../registrar/digest.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { Flow } from '../transport/flow.js';
import { type ParsedPidf, parsePidf } from './pidf-parse.js';
import {
  DEFAULT_PUBLICATION_POLICY,
  EventStateCompositor,
  type PublicationAction,
  type PublicationPolicy,
  publishRequestOf,
} from './publication.js';

export interface PublisherOptions {
  core: Services;
  log: Logger;
  digest: DigestOptions;
  newTag: () => string;
  policy?: PublicationPolicy;
}

/**
 * The event state compositor of this node. A PUBLISH authenticates as a device (407) and may
 * only publish for the AoR of the device's own user (403 otherwise); SIP-ETag, SIP-If-Match and
 * Expires follow RFC 3903 §6 (`publication.ts`).
 */
export class SimplePublisher {
  private readonly esc: EventStateCompositor<ParsedPidf>;
  /** The user of each published AoR (`sip:local@domain`). */
  private readonly owners = new Map<string, { tenantId: string; userId: string }>();
  private timer: NodeJS.Timeout | undefined;
  /** Actions go to the core one at a time, in order. */
  private chain = Promise.resolve();

  constructor(private readonly o: PublisherOptions) {
    this.esc = new EventStateCompositor((body) => parsePidf(body), o.policy ?? DEFAULT_PUBLICATION_POLICY);
  }

  private now(): number {
    return this.o.core.ctx.clock.now();
  }

  async publish(request: SipRequest, tx: ServerTransaction<Flow>): Promise<SipResponse> {
    const reply = (status: number, reason: string, headers = [] as { name: string; value: string }[]) =>
      respond(request, status, reason, { toTag: this.o.newTag(), headers });
    const auth = await authenticateCaller(this.o.core, this.o.digest, request, tx.flow, this.o.newTag);
    if (!auth.ok) return auth.response;
    const { user } = auth;
    const uri = request.uri;
    const own =
      isSipUri(uri) &&
      uri.user?.toLowerCase() === user.local.toLowerCase() &&
      uri.host.toLowerCase() === user.domain.toLowerCase();
    if (!own) return reply(403, 'Forbidden (a device publishes for its own address only)');
    const aor = `sip:${user.local}@${user.domain}`;
    let fields: ReturnType<typeof publishRequestOf>;
    try {
      fields = publishRequestOf(request, aor);
    } catch (err) {
      if (err instanceof SipParseError) return reply(400, 'Bad Request');
      throw err;
    }
    this.owners.set(aor, { tenantId: user.tenantId, userId: user.id });
    const result = this.esc.publish(fields, this.now());
    await this.run(result.actions);
    return reply(result.response.status, result.response.reason, result.response.headers);
  }

  /** Drops the expiry timer (the node stops; the core's inputs expire on their own). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(actions: PublicationAction<ParsedPidf>[]): Promise<void> {
    const done = this.chain.then(() => this.apply(actions));
    this.chain = done.catch((err: unknown) => this.o.log.warn({ err }, 'SIP publication not handed to presence'));
    return done;
  }

  private async apply(actions: PublicationAction<ParsedPidf>[]): Promise<void> {
    const { presence } = this.o.core;
    for (const a of actions) {
      if (a.kind === 'deadline') {
        this.arm(a.at);
        continue;
      }
      const owner = this.owners.get(a.resource);
      if (!owner) continue;
      if (a.kind === 'put') await presence.publish(owner.tenantId, owner.userId, a.id, a.state, a.expiresAt);
      else await presence.unpublish(owner.tenantId, owner.userId, a.id);
    }
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => void this.run(this.esc.expire(this.now())).catch(() => {}),
      Math.max(0, at - this.now()),
    );
    this.timer.unref();
  }
}
