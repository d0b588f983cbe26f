// The part of @xmpp/client (which ships no types) the tests use.
declare module '@xmpp/client' {
  import type { EventEmitter } from 'node:events';

  export interface Element {
    name: string;
    attrs: Record<string, string>;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
    getChildren(name: string, xmlns?: string): Element[];
    getChildText(name: string, xmlns?: string): string | null;
    toString(): string;
  }

  export interface Client extends EventEmitter {
    jid?: { toString(): string };
    /** Each step's bound, in milliseconds. */
    timeout: number;
    iqCaller: {
      get(payload: Element, to?: string, timeout?: number): Promise<Element | undefined>;
      /** Sends a whole `<iq/>`; resolves with the result, rejects with a StanzaError (`condition`). */
      request(iq: Element, timeout?: number): Promise<Element>;
    };
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(element: Element): Promise<void>;
    /** XEP-0198: `id` is the resumption id once enabled; emits `resumed` after a resumption. */
    streamManagement: EventEmitter & { id: string };
    /** The connection's socket, null while disconnected; after STARTTLS @xmpp/tls's wrapper of the TLS socket. */
    socket: { socket: { destroy(): void } | null } | null;
  }

  export function client(options: {
    service: string;
    domain?: string;
    username?: string;
    password?: string;
    resource?: string;
  }): Client;

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined>,
    ...children: (Element | string)[]
  ): Element;
}
