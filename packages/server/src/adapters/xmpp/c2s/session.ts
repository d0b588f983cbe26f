// A client's session (RFC 6120 §7): what modules see of a bound stream. It outlives its
// connection while XEP-0198 may resume it; what it is sent meanwhile waits unacknowledged.
import type { User } from '../../../core/users/model.js';
import { bareJid, type Jid } from '../../../lib/jid.js';
import type { C2sSession } from '../module.js';
import type { StreamError } from '../stream-error.js';
import { type XmlElement, x } from '../xml/element.js';
import { SM_NS, type StreamManagement } from './sm.js';
import type { Transport } from './transport.js';

/** Unacknowledged stanzas before the server asks the client for an acknowledgement. */
const ACK_REQUEST_EVERY = 5;

export class Session implements C2sSession {
  readonly data = new Map<string, unknown>();
  inactive = false;
  sm: StreamManagement | undefined;
  /** The connection it runs on; undefined while it waits to be resumed. */
  transport: Transport | undefined;
  /** Ends the stream it runs on with a stream error (e.g. `conflict` when another binds its resource). */
  kick: ((err: StreamError) => void) | undefined;
  /** Ends the session when it was not resumed in time. */
  expiry: NodeJS.Timeout | undefined;
  private ackRequested = false;

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly user: User,
    /** The full JID once bound (the bare JID before). */
    public jid: Jid,
    readonly lang: string,
    public address: string,
    public secure: boolean,
  ) {}

  get bare(): string {
    return bareJid(this.jid);
  }

  send(stanza: XmlElement): void {
    const sm = this.sm;
    sm?.sent(stanza);
    this.transport?.send(stanza);
    if (sm && this.transport && !this.ackRequested && sm.unacked().length >= ACK_REQUEST_EVERY) {
      // Asked once per batch: the request leaves after what the current turn sends.
      this.ackRequested = true;
      queueMicrotask(() => {
        this.transport?.send(x('r', { xmlns: SM_NS }));
      });
    }
  }

  /** The client acknowledged (`<a h=…/>`): another request may follow. */
  acknowledged(h: number): boolean {
    this.ackRequested = false;
    return this.sm?.ack(h) ?? true;
  }
}
