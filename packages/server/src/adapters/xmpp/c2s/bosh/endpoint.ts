// The BOSH connection manager at /http-bind (XEP-0124, XEP-0206) on the shared HTTP listener: a
// POSTed <body/> is read within its size limit, parsed, and handed to its session (or creates
// one); OPTIONS answers a browser's CORS preflight. Sessions live on the node that created them:
// a sid this node does not know is answered with `item-not-found`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../../platform/log.js';
import type { MountedRequest } from '../../../adapter.js';
import { ParseError, type ParserLimits } from '../../xml/parser.js';
import { randomId } from '../hub.js';
import { type BoshBody, type BoshCondition, conditionOf, parseBody, terminateBody } from './body.js';
import { parseRid } from './rids.js';
import { BoshSession, type BoshSettings, type Reply } from './session.js';

export const XMPP_BOSH_PATH = '/http-bind';

/** Room for the wrapper's attributes beyond the largest stanza. */
const WRAPPER_BYTES = 4096;

/** Any origin may, without credentials: the sid and rids are the session (as at /xmpp-websocket). */
const CORS = { 'access-control-allow-origin': '*' } as const;
const PREFLIGHT = {
  ...CORS,
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type',
  'access-control-max-age': '86400',
} as const;

/** XEP-0124 §7 `content`: the answers' Content-Type, among the XML ones a client may ask for. */
const CONTENT_TYPES = new Set(['text/xml; charset=utf-8', 'application/xml; charset=utf-8']);
const DEFAULT_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface BoshEndpointOptions {
  limits: ParserLimits;
  rate: { bytesPerSecond: number; burstSeconds: number };
  now: () => number;
  settings: BoshSettings;
  log: Logger;
  /** Whether the request came over HTTPS (at a trusted proxy). */
  secure(req: MountedRequest): boolean;
  /** Starts a client stream on the session; its release, or undefined when refused (too many from the address). */
  open(session: BoshSession): (() => void) | undefined;
}

class TooLarge extends Error {}

/** The request's bytes, at most `max`; a TooLarge error beyond. */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) throw new TooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class BoshEndpoint {
  private readonly sessions = new Map<string, BoshSession>();
  private readonly maxBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly o: BoshEndpointOptions) {
    this.maxBytes = o.limits.maxStanzaSize + WRAPPER_BYTES;
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse, m: MountedRequest): Promise<void> => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, PREFLIGHT).end();
      return;
    }
    let body: BoshBody;
    let bytes = 0;
    try {
      const raw = await readBody(req, this.maxBytes);
      bytes = raw.length;
      body = parseBody(this.decoder.decode(raw), this.o.limits);
    } catch (err) {
      return void this.refuse(res, m, err);
    }
    const sid = body.attrs.sid;
    if (sid === undefined) return void this.create(body, res, m);
    const session = this.sessions.get(sid);
    if (!session) {
      this.o.log.info({ address: m.ip }, 'BOSH request for a session not on this node (ended, or held by another)');
      return void send(res, DEFAULT_CONTENT_TYPE, terminateBody('item-not-found'));
    }
    const wait = session.throttle(bytes);
    if (wait > 0) await sleep(wait);
    session.request(body, this.replier(res, session));
  };

  private refuse(res: ServerResponse, m: MountedRequest, err: unknown): void {
    let condition: BoshCondition;
    if (err instanceof TooLarge) {
      condition = 'policy-violation';
      res.setHeader('connection', 'close');
    } else if (err instanceof ParseError) condition = conditionOf(err);
    else if (err instanceof TypeError)
      condition = 'bad-request'; // not UTF-8
    else throw err;
    const reason = err instanceof TooLarge ? `a body over ${this.maxBytes} bytes` : (err as Error).message;
    this.o.log.info({ address: m.ip, condition, reason }, 'BOSH request refused');
    send(res, DEFAULT_CONTENT_TYPE, terminateBody(condition));
  }

  /** XEP-0124 §7: a new session, its client stream started (and counted against its address). */
  private create(body: BoshBody, res: ServerResponse, m: MountedRequest): void {
    const { attrs } = body;
    const type = CONTENT_TYPES.has(attrs.content ?? '') ? (attrs.content as string) : DEFAULT_CONTENT_TYPE;
    if (parseRid(attrs.rid) === undefined) return void send(res, type, terminateBody('bad-request'));
    const session = new BoshSession({
      sid: randomId(),
      address: m.ip,
      secure: this.o.secure(m),
      settings: this.o.settings,
      rate: this.o.rate,
      now: this.o.now,
      gone: () => {
        release?.();
        // Kept a while to tell a late request how the session ended; then unknown.
        setTimeout(() => this.sessions.delete(session.sid), this.o.settings.inactivitySeconds * 1000).unref();
      },
    });
    session.contentType = type;
    const release = this.o.open(session);
    if (!release) {
      return void send(res, type, terminateBody('policy-violation'));
    }
    this.sessions.set(session.sid, session);
    session.create(body, this.replier(res, session));
  }

  private replier(res: ServerResponse, session: BoshSession): Reply {
    return (text) => send(res, session.contentType, text);
  }
}

/** An answer: HTTP 200 with the body (XEP-0124 §17: binding conditions, not HTTP codes, tell what failed). */
function send(res: ServerResponse, contentType: string, text: string): void {
  if (res.writableEnded || res.destroyed) return;
  res
    .writeHead(200, {
      ...CORS,
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    .end(text);
}
