// RFC 5802: Salted Challenge Response Authentication Mechanism (SCRAM), the server side, with
// RFC 7677 (SCRAM-SHA-256) and the channel binding of RFC 5056 (the -PLUS variants; the adapter
// hands in its TLS channel's binding data, e.g. RFC 9266 tls-exporter or RFC 5929
// tls-server-end-point).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ScramHash, ScramKeys } from '../users/credentials.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-1-PLUS' | 'SCRAM-SHA-256' | 'SCRAM-SHA-256-PLUS';

export const SCRAM_MECHANISMS: Record<ScramMechanism, { hash: ScramHash; plus: boolean }> = {
  'SCRAM-SHA-256-PLUS': { hash: 'sha256', plus: true },
  'SCRAM-SHA-1-PLUS': { hash: 'sha1', plus: true },
  'SCRAM-SHA-256': { hash: 'sha256', plus: false },
  'SCRAM-SHA-1': { hash: 'sha1', plus: false },
};

/** The server-error-values (RFC 5802 §7) this server sends in `e=`. */
export type ScramErrorValue =
  | 'invalid-encoding'
  | 'extensions-not-supported'
  | 'invalid-proof'
  | 'channel-bindings-dont-match'
  | 'server-does-support-channel-binding'
  | 'channel-binding-not-supported'
  | 'unsupported-channel-binding-type'
  | 'invalid-username-encoding'
  | 'other-error';

/** A failed step: `message` is the server-final-message to send (`e=…`). */
export interface ScramFailure {
  ok: false;
  error: ScramErrorValue;
  message: string;
}

export const scramFailure = (error: ScramErrorValue): ScramFailure => ({ ok: false, error, message: `e=${error}` });

/** What the client-first-message says. */
export interface ClientFirst {
  /** `n` (client cannot bind), `y` (client can, thinks the server cannot), `p` (binds). */
  cbindFlag: 'n' | 'y' | 'p';
  /** The channel binding type after `p=`. */
  cbindName: string | null;
  /** The authorization identity (`a=`), decoded; null when absent. */
  authzid: string | null;
  /** The authentication identity (`n=`), decoded. */
  username: string;
  clientNonce: string;
  /** Everything up to and including the second comma: repeated (base64) in the client's `c=`. */
  gs2Header: string;
  bare: string;
}

const CB_NAME = /^[A-Za-z0-9.-]+$/;
/** `printable` of RFC 5802: visible ASCII but the comma. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a `saslname` (`=2C` is a comma, `=3D` an equals sign); null when it is not one. */
export function decodeSaslname(value: string): string | null {
  if (value === '' || value.includes(',') || value.includes('\0')) return null;
  if (/=(?!2C|3D)/.test(value)) return null;
  return value.replace(/=2C|=3D/g, (m) => (m === '=2C' ? ',' : '='));
}

/** Encodes a name as a `saslname`. */
export const encodeSaslname = (name: string) => name.replace(/=/g, '=3D').replace(/,/g, '=2C');

/** Parses a client-first-message (RFC 5802 §7). */
export function parseClientFirst(message: string): ClientFirst | ScramFailure {
  const first = message.indexOf(',');
  const second = first < 0 ? -1 : message.indexOf(',', first + 1);
  if (second < 0) return scramFailure('invalid-encoding');
  const flag = message.slice(0, first);
  const authz = message.slice(first + 1, second);
  let cbindFlag: ClientFirst['cbindFlag'];
  let cbindName: string | null = null;
  if (flag === 'n' || flag === 'y') cbindFlag = flag;
  else if (flag.startsWith('p=') && CB_NAME.test(flag.slice(2))) {
    cbindFlag = 'p';
    cbindName = flag.slice(2);
  } else return scramFailure('invalid-encoding');
  let authzid: string | null = null;
  if (authz !== '') {
    authzid = authz.startsWith('a=') ? decodeSaslname(authz.slice(2)) : null;
    if (authzid === null) return scramFailure('invalid-username-encoding');
  }
  const bare = message.slice(second + 1);
  const [user = '', nonce = ''] = bare.split(',');
  if (user.startsWith('m=')) return scramFailure('extensions-not-supported');
  if (!user.startsWith('n=') || !nonce.startsWith('r=')) return scramFailure('invalid-encoding');
  const username = decodeSaslname(user.slice(2));
  if (username === null) return scramFailure('invalid-username-encoding');
  const clientNonce = nonce.slice(2);
  if (!PRINTABLE.test(clientNonce)) return scramFailure('invalid-encoding');
  return { cbindFlag, cbindName, authzid, username, clientNonce, gs2Header: message.slice(0, second + 1), bare };
}

export interface ScramServerOptions {
  /**
   * The channel's binding data by type (`tls-exporter`, `tls-server-end-point`): what the
   * adapter can bind to; empty when it offers no -PLUS mechanism (no TLS, or no binding data).
   */
  channelBindings?: Readonly<Record<string, Buffer>>;
  /** The server's part of the nonce (random 18 bytes, base64, by default; fixed in tests). */
  nonce?: () => string;
}

/**
 * One SCRAM exchange, server side: `clientFirst` → (the user's keys) → `serverFirst` →
 * `clientFinal` (which verifies the proof and yields the server-final-message). Pure apart from
 * the random nonce; the proof is compared in constant time.
 *
 * @example
 * const scram = new ScramServer('SCRAM-SHA-256');
 * const first = scram.clientFirst('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
 * if (first.ok) send(scram.serverFirst(keysOf(first.username)));
 * const final = scram.clientFinal(received); // { ok: true, message: 'v=…' } or { ok: false, error, message: 'e=…' }
 */
export class ScramServer {
  readonly hash: ScramHash;
  private readonly plus: boolean;
  private readonly bindings: Readonly<Record<string, Buffer>>;
  private readonly makeNonce: () => string;
  private step: 'client-first' | 'server-first' | 'client-final' | 'done' = 'client-first';
  private first: ClientFirst | undefined;
  private keys: ScramKeys | undefined;
  private serverFirstMessage = '';
  private nonce = '';

  constructor(
    readonly mechanism: ScramMechanism,
    options: ScramServerOptions = {},
  ) {
    ({ hash: this.hash, plus: this.plus } = SCRAM_MECHANISMS[mechanism]);
    this.bindings = options.channelBindings ?? {};
    this.makeNonce = options.nonce ?? (() => randomBytes(18).toString('base64'));
  }

  /** Reads the client-first-message: who wants to sign in, and how they bind to the channel. */
  clientFirst(message: string): ({ ok: true } & ClientFirst) | ScramFailure {
    this.advance('client-first', 'server-first');
    const first = parseClientFirst(message);
    if ('ok' in first) return this.fail(first.error);
    const failure = this.checkBinding(first);
    if (failure) return this.fail(failure);
    this.first = first;
    return { ok: true, ...first };
  }

  /** The server-first-message for the user's stored keys (or a decoy's, for an unknown user). */
  serverFirst(keys: ScramKeys): string {
    this.advance('server-first', 'client-final');
    const first = this.first as ClientFirst;
    this.keys = keys;
    this.nonce = first.clientNonce + this.makeNonce();
    this.serverFirstMessage = `r=${this.nonce},s=${keys.salt},i=${keys.iterations}`;
    return this.serverFirstMessage;
  }

  /** Verifies the client-final-message; on success `message` is the server-final-message (`v=…`). */
  clientFinal(message: string): { ok: true; message: string } | ScramFailure {
    this.advance('client-final', 'done');
    const first = this.first as ClientFirst;
    const keys = this.keys as ScramKeys;
    const proofAt = message.lastIndexOf(',p=');
    if (proofAt < 0) return this.fail('invalid-encoding');
    const withoutProof = message.slice(0, proofAt);
    const proofText = message.slice(proofAt + 3);
    const [binding = '', nonce = ''] = withoutProof.split(',');
    if (!binding.startsWith('c=') || !nonce.startsWith('r=') || !BASE64.test(proofText)) {
      return this.fail('invalid-encoding');
    }
    if (nonce.slice(2) !== this.nonce) return this.fail('other-error');
    const expected = Buffer.concat([
      Buffer.from(first.gs2Header),
      first.cbindName === null ? Buffer.alloc(0) : (this.bindings[first.cbindName] as Buffer),
    ]);
    if (!BASE64.test(binding.slice(2)) || !Buffer.from(binding.slice(2), 'base64').equals(expected)) {
      return this.fail('channel-bindings-dont-match');
    }
    const authMessage = `${first.bare},${this.serverFirstMessage},${withoutProof}`;
    const storedKey = Buffer.from(keys.storedKey, 'base64');
    const proof = Buffer.from(proofText, 'base64');
    const signature = createHmac(this.hash, storedKey).update(authMessage).digest();
    if (proof.length !== signature.length) return this.fail('invalid-proof');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (signature[i] as number)));
    const computed = createHash(this.hash).update(clientKey).digest();
    if (computed.length !== storedKey.length || !timingSafeEqual(computed, storedKey)) {
      return this.fail('invalid-proof');
    }
    const serverSignature = createHmac(this.hash, Buffer.from(keys.serverKey, 'base64')).update(authMessage).digest();
    return { ok: true, message: `v=${serverSignature.toString('base64')}` };
  }

  /** RFC 5802 §6: the client's flag must fit the mechanism and what the server offered. */
  private checkBinding(first: ClientFirst): ScramErrorValue | undefined {
    const offered = Object.keys(this.bindings).length > 0;
    if (this.plus) {
      if (!offered) return 'channel-binding-not-supported';
      if (first.cbindFlag !== 'p') return 'invalid-encoding';
      if (!Object.hasOwn(this.bindings, first.cbindName as string)) return 'unsupported-channel-binding-type';
      return undefined;
    }
    if (first.cbindFlag === 'p') return 'invalid-encoding';
    // The client could bind but believes the server cannot: a -PLUS offer was removed on the way.
    if (first.cbindFlag === 'y' && offered) return 'server-does-support-channel-binding';
    return undefined;
  }

  private advance(expected: ScramServer['step'], next: ScramServer['step']) {
    if (this.step !== expected) throw new Error(`SCRAM: ${expected} called at step ${this.step}`);
    this.step = next;
  }

  private fail(error: ScramErrorValue): ScramFailure {
    this.step = 'done';
    return scramFailure(error);
  }
}
