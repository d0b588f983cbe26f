// RFC 3903 event state compositor bookkeeping for PUBLISH: entity-tags, conditional refresh,
// modify and remove, expiry. What a publication says goes to the core as one presence input
// (`put`/`remove` actions); the time is always passed in, tags come from an injected generator.

import { pooledRandomBytes } from '../../../lib/random-pool.js';
import { type SipHeader, type SipRequest, singleHeader } from '../message/index.js';
import { PIDF_CONTENT_TYPE } from './pidf.js';
import { XmlBodyError } from './xml.js';

export interface PublicationPolicy {
  /** Event packages accepted in PUBLISH. */
  events: readonly string[];
  /** Body formats accepted (415 otherwise). */
  contentTypes: readonly string[];
  defaultExpires: number;
  minExpires: number;
  maxExpires: number;
  /** Publications kept per resource; a new one beyond evicts the one that would expire first. */
  maxPerResource: number;
}

export const DEFAULT_PUBLICATION_POLICY: PublicationPolicy = {
  events: ['presence'],
  contentTypes: [PIDF_CONTENT_TYPE],
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
  maxPerResource: 8,
};

/** What the compositor needs of a PUBLISH. */
export interface PublishRequest {
  /** The presentity (the Request-URI's AoR, e.g. `sip:alice@example.test`), already authorized. */
  resource: string;
  /** The Event header value. */
  event: string | undefined;
  /** SIP-If-Match, undefined when absent. */
  ifMatch: string | undefined;
  /** Expires in seconds, undefined when absent. */
  expires: number | undefined;
  contentType: string | undefined;
  /** The body, undefined or '' when there is none. */
  body: string | undefined;
}

/** Reads the PUBLISH fields the compositor uses; `resource` is the AoR the lead authorized. */
export function publishRequestOf(req: SipRequest, resource: string): PublishRequest {
  return {
    resource,
    event: singleHeader(req.headers, 'Event'),
    ifMatch: singleHeader(req.headers, 'SIP-If-Match'),
    expires: req.expires,
    contentType: req.contentType,
    body: req.body.length > 0 ? req.body.toString('utf8') : undefined,
  };
}

export interface PublishResponse {
  status: number;
  reason: string;
  headers: SipHeader[];
}

export type PublicationAction<T> =
  /** Hand the state to the core under this stable id (one per publication, kept across refreshes). */
  | { kind: 'put'; resource: string; id: string; state: T; expiresAt: number }
  /** The publication is gone (removed, expired or evicted): withdraw its input. */
  | { kind: 'remove'; resource: string; id: string }
  /** Call `expire` then (the earliest expiry of any publication). */
  | { kind: 'deadline'; at: number };

export interface PublishResult<T> {
  response: PublishResponse;
  actions: PublicationAction<T>[];
}

interface Publication<T> {
  id: string;
  resource: string;
  etag: string;
  state: T;
  expiresAt: number;
}

const h = (name: string, value: string): SipHeader => ({ name, value });
const mediaType = (v: string) => (v.split(';')[0] ?? '').trim().toLowerCase();
const randomTag = () => pooledRandomBytes(12).toString('base64url');

/**
 * The publications Parley holds, per resource. `publish` follows RFC 3903 §6: 489 + Allow-Events
 * for another package; 412 when SIP-If-Match names no live publication of the resource; 400 for
 * an initial PUBLISH without body (or one with Expires 0); 423 + Min-Expires when too short;
 * 415 + Accept for another format; 400 for a body `parse` refuses. Each success answers 200 with a
 * new SIP-ETag and the granted Expires.
 *
 * @example const esc = new EventStateCompositor(parsePidf); const r = esc.publish(req, Date.now());
 */
export class EventStateCompositor<T> {
  private readonly byTag = new Map<string, Publication<T>>();

  constructor(
    /** Reads a body into the state handed on; throws `XmlBodyError` (→ 400) when it is bad. */
    private readonly parse: (body: string) => T,
    private readonly policy: PublicationPolicy = DEFAULT_PUBLICATION_POLICY,
    private readonly newTag: () => string = randomTag,
  ) {}

  /** The live publications of a resource (for tests and diagnostics). */
  of(resource: string): { id: string; etag: string; state: T; expiresAt: number }[] {
    return [...this.byTag.values()].filter((p) => p.resource === resource).map(({ resource: _, ...p }) => p);
  }

  publish(req: PublishRequest, now: number): PublishResult<T> {
    const refuse = (status: number, reason: string, ...headers: SipHeader[]): PublishResult<T> => ({
      response: { status, reason, headers },
      actions: [],
    });
    const p = this.policy;
    const event = (req.event ?? '').split(';')[0]?.trim() ?? '';
    if (!p.events.includes(event)) return refuse(489, 'Bad Event', h('Allow-Events', p.events.join(', ')));
    const expired = this.sweep(now);
    const done = (r: PublishResult<T>): PublishResult<T> => ({ ...r, actions: [...expired, ...r.actions] });
    const current = req.ifMatch === undefined ? undefined : this.byTag.get(req.ifMatch.trim());
    if (req.ifMatch !== undefined && (!current || current.resource !== req.resource)) {
      return done(refuse(412, 'Conditional Request Failed'));
    }
    const body = req.body ?? '';
    if (!current && body === '') return done(refuse(400, 'Missing Body'));
    if (req.expires !== undefined && req.expires !== 0 && req.expires < p.minExpires) {
      return done(refuse(423, 'Interval Too Brief', h('Min-Expires', `${p.minExpires}`)));
    }
    if (req.expires === 0) {
      if (!current) return done(refuse(400, 'Nothing To Remove'));
      this.byTag.delete(current.etag);
      const remove: PublicationAction<T> = { kind: 'remove', resource: current.resource, id: current.id };
      return done({ response: this.ok(current.etag, 0), actions: [remove, ...this.deadline()] });
    }
    let state: T | undefined = current?.state;
    if (body !== '') {
      if (!p.contentTypes.includes(mediaType(req.contentType ?? ''))) {
        return done(refuse(415, 'Unsupported Media Type', h('Accept', p.contentTypes.join(', '))));
      }
      try {
        state = this.parse(body);
      } catch (err) {
        if (err instanceof XmlBodyError) return done(refuse(400, `Bad Body: ${err.message}`));
        throw err;
      }
    }
    const seconds = Math.min(req.expires ?? p.defaultExpires, p.maxExpires);
    const next: Publication<T> = {
      id: current?.id ?? this.newTag(),
      resource: req.resource,
      etag: this.newTag(),
      state: state as T,
      expiresAt: now + seconds * 1000,
    };
    if (current) this.byTag.delete(current.etag);
    const evicted = this.evict(req.resource);
    this.byTag.set(next.etag, next);
    const put: PublicationAction<T> = {
      kind: 'put',
      resource: next.resource,
      id: next.id,
      state: next.state,
      expiresAt: next.expiresAt,
    };
    return done({ response: this.ok(next.etag, seconds), actions: [...evicted, put, ...this.deadline()] });
  }

  /** Drops what has expired by `now`; call it at the `deadline` action's time. */
  expire(now: number): PublicationAction<T>[] {
    return [...this.sweep(now), ...this.deadline()];
  }

  private ok(etag: string, seconds: number): PublishResponse {
    return { status: 200, reason: 'OK', headers: [h('SIP-ETag', etag), h('Expires', `${seconds}`)] };
  }

  private sweep(now: number): PublicationAction<T>[] {
    const gone = [...this.byTag.values()].filter((p) => p.expiresAt <= now);
    for (const p of gone) this.byTag.delete(p.etag);
    return gone.map((p) => ({ kind: 'remove', resource: p.resource, id: p.id }));
  }

  /** Makes room for one more publication of `resource`. */
  private evict(resource: string): PublicationAction<T>[] {
    const mine = [...this.byTag.values()]
      .filter((p) => p.resource === resource)
      .sort((a, b) => a.expiresAt - b.expiresAt);
    const over = mine.slice(0, Math.max(0, mine.length - this.policy.maxPerResource + 1));
    for (const p of over) this.byTag.delete(p.etag);
    return over.map((p) => ({ kind: 'remove', resource: p.resource, id: p.id }));
  }

  private deadline(): PublicationAction<T>[] {
    let at: number | null = null;
    for (const p of this.byTag.values()) if (at === null || p.expiresAt < at) at = p.expiresAt;
    return at === null ? [] : [{ kind: 'deadline', at }];
  }
}
