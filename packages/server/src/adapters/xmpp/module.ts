// What the XMPP adapter's stanza modules (roster, presence, messages, MUC, vCard …) are written
// against. The stream engine (c2s, s2s, WebSocket) authenticates, binds and parses; the router
// hands each stanza to the modules; modules call core services and render core events to the
// sessions bound on this node. A module never reads the store (DESIGN §2).
import type { Services } from '../../compose.js';
import type { User } from '../../core/users/model.js';
import type { Jid } from '../../lib/jid.js';
import type { Logger } from '../../platform/log.js';
import type { Child, XmlElement } from './xml/element.js';

/** The kind of the core's endpoints (`core.endpoints`) that are XMPP sessions. */
export const ENDPOINT_KIND = 'xmpp';

/** A client session bound on this node (RFC 6120 §7), seen by modules. */
export interface C2sSession {
  /** Unique per stream (the stream id; survives XEP-0198 resumption). */
  readonly id: string;
  readonly tenantId: string;
  readonly user: User;
  /** The bound full JID (`user@domain/resource`). */
  readonly jid: Jid;
  /** The stream's `xml:lang` (e.g. `de`), the language texts for this client are rendered in. */
  readonly lang: string;
  /** The client's address (for the login throttle and logs). */
  readonly address: string;
  /** Whether the stream is encrypted (TLS or WSS); PLAIN and uploads may require it. */
  readonly secure: boolean;
  /** XEP-0352: the client said it is inactive (modules may hold back non-urgent stanzas). */
  readonly inactive: boolean;
  /**
   * Per-session state of modules, keyed by module name (e.g. presence: the client's last
   * `<presence/>`, whether it sent initial presence; carbons: enabled).
   */
  readonly data: Map<string, unknown>;
  /** Queues a stanza to the client (counted for XEP-0198). */
  send(stanza: XmlElement): void;
}

/** A stanza as it reached the router: `from` is stamped by the stream (never trusted from a client). */
export interface Inbound {
  stanza: XmlElement;
  /** The sender's full JID (a local client's bound JID, or a verified remote domain's JID). */
  from: Jid;
  /** The addressee; null when the stanza had no `to` (addressed to the sender's own account). */
  to: Jid | null;
  /** The local session that sent it; absent for a stanza from a federated server. */
  session?: C2sSession;
}

/**
 * Answers an IQ of type get/set whose payload has the module's namespace and that is addressed to
 * the server's domain or the sender's own bare JID. Returns the result payload (or nothing for an
 * empty result); throws a StanzaError (or a ParleyError, mapped by code) to refuse it.
 */
export type IqHandler = (req: Inbound & { payload: XmlElement }) => Promise<Child | undefined> | Child | undefined;

/** The sessions bound on this node. */
export interface SessionRegistry {
  /** A user's bound sessions on this node (for rendering a core event to them). */
  ofUser(tenantId: string, userId: string): readonly C2sSession[];
  /** The session bound to a full JID on this node, if any. */
  byJid(jid: Jid): C2sSession | undefined;
  all(): Iterable<C2sSession>;
}

/**
 * Where the router sends a stanza that is not for a session on this node. The adapter composes
 * it: federation (s2s) takes `remote`, the cluster bus takes `nodes`.
 */
export interface Onward {
  /** Whether this server serves `domain`: a tenant's domain, or a service of one (`conference.DOMAIN`). */
  hosts(domain: string): Promise<boolean>;
  /**
   * To another server (s2s). Delivery failures come back to the sender as an error stanza
   * (RFC 6120 §8.3: remote-server-not-found, remote-server-timeout …) through the router.
   */
  remote(stanza: XmlElement, to: Jid): void;
  /**
   * To sessions of this server's accounts that are bound on other nodes of the cluster (a full
   * JID's session, or a bare JID's sessions); resolves whether another node holds one and took it.
   */
  nodes(stanza: XmlElement, to: Jid): Promise<boolean>;
  /**
   * The external component (XEP-0114) configured for `domain`, if any: sends it a stanza (on this
   * node or the one it is connected to) and resolves whether it is connected.
   */
  component?(domain: string): ((stanza: XmlElement) => Promise<boolean>) | undefined;
}

/** What a module gets at start. */
export interface ModuleContext {
  /** Core services: the only way to facts and changes. */
  core: Services;
  log: Logger;
  sessions: SessionRegistry;
  /**
   * Sends a stanza to wherever its `to` lives: local sessions (a bare JID: every available
   * resource, per RFC 6121 §8.5), sessions on other nodes (the bus), or a federated server.
   */
  route(stanza: XmlElement): void;
  /** Every module of the server, in order (disco collects their features from here). */
  modules: readonly XmppModule[];
  /**
   * The base URL users reach the HTTP listener at, without a trailing slash (`http.publicUrl`,
   * else the listener's own address): for links to files (XEP-0363).
   */
  httpUrl(): string;
  /**
   * The cluster's holdings of `kind`: what one node holds at a time, and other nodes relay what is
   * for it to that node (e.g. a member of another server joined to a room on this node).
   */
  holdings(kind: string): Holdings;
}

/**
 * Something one node of the cluster holds at a time (an external component's domain, a member of
 * another server in a room): the other nodes relay what is for it to that node.
 */
export interface Held {
  tenantId: string;
  /** Whose it is, as relays are addressed on the bus: a component's domain, a remote member's user id. */
  owner: string;
  /** What is held, unique among the owner's of its kind (a component's domain, a room and a full JID). */
  address: string;
  /** Unique per holding (e.g. its stream id). */
  id: string;
  /** Takes a stanza another node relayed; whether this node still holds it. */
  send(stanza: XmlElement): boolean;
  /** Another node took it (this node was cut off meanwhile). */
  lost(): void;
}

/** The cluster's holdings of one kind. */
export interface Holdings {
  /**
   * Holds it on this node and takes what other nodes relay to it; false when another node holds
   * the address (nothing is held then).
   */
  claim(held: Held): Promise<boolean>;
  /** It is gone from this node. */
  release(held: Held): Promise<void>;
  /** Relays a stanza to the node holding `address` of `owner`; whether another node does. */
  relay(tenantId: string, owner: string, address: string, stanza: XmlElement): Promise<boolean>;
}

/** One capability of the server, as Prosody's modules are. */
export interface XmppModule {
  readonly name: string;
  /** disco#info features (XEP-0030) the server's domain advertises for this module. */
  readonly features?: readonly string[];
  /** disco#info features the user's bare JID advertises (e.g. MAM, PEP). */
  readonly accountFeatures?: readonly string[];
  /** disco#info identities the user's bare JID has besides account/registered (e.g. pubsub/pep). */
  readonly accountIdentities?: readonly { category: string; type: string }[];
  /**
   * disco#items the server's domain lists for this module (XEP-0030), e.g. the MUC service
   * `conference.DOMAIN` or the upload service; `domain` is the domain asked about.
   */
  discoItems?(domain: string): { jid: string; name?: string }[];
  /** Stream features offered after bind (e.g. roster versioning), as elements. */
  streamFeatures?(session: C2sSession): XmlElement[];
  /**
   * IQ handlers by payload namespace (see IqHandler for what reaches them). `anyone`: the server's
   * domain answers it for senders of other domains too (ping, disco), not only its own users.
   */
  readonly iq?: Readonly<Record<string, { get?: IqHandler; set?: IqHandler; anyone?: boolean }>>;
  /**
   * Asked first about every stanza, before IQ handlers and `handle`: false stops it there (the
   * module has answered it with an error, or drops it), e.g. everything from a blocked domain.
   */
  admit?(inbound: Inbound): Promise<boolean> | boolean;
  /**
   * Offered every stanza no IQ handler took (messages, presence, IQs to other addressees such as
   * `conference.DOMAIN`), in module order: returns true when it took the stanza. A stanza no
   * module takes gets the RFC's default (service-unavailable, or delivery for a message).
   */
  handle?(inbound: Inbound): Promise<boolean> | boolean;
  /** Subscribes to core events etc.; the returned function undoes it at stop. */
  start?(ctx: ModuleContext): Promise<Stop> | Stop;
  /** A session is being bound: its JID is set; it joins this node's registry and its client is told once every module is done. */
  sessionBound?(session: C2sSession): void | Promise<void>;
  /** A session ended (closed or lost and not resumed within the XEP-0198 timeout). */
  sessionEnded?(session: C2sSession): void | Promise<void>;
}

/** Undoes a module's start (unsubscribes from core events); undefined when there is nothing to undo. */
export type Stop = (() => void) | undefined;
