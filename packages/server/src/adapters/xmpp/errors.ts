// Stanza errors (RFC 6120 §8.3): what a module throws when it refuses a stanza, and the error reply
// the router sends for it. Core errors (ParleyError codes) map onto the RFC's conditions here, once.
import type { ErrorCode } from '@parley/api';
import { asParleyError } from '../../core/errors.js';
import { type XmlElement, x } from './xml/element.js';

export const STANZAS_NS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** RFC 6120 §8.3.3 defined conditions. */
export type StanzaCondition =
  | 'bad-request'
  | 'conflict'
  | 'feature-not-implemented'
  | 'forbidden'
  | 'gone'
  | 'internal-server-error'
  | 'item-not-found'
  | 'jid-malformed'
  | 'not-acceptable'
  | 'not-allowed'
  | 'not-authorized'
  | 'policy-violation'
  | 'recipient-unavailable'
  | 'redirect'
  | 'registration-required'
  | 'remote-server-not-found'
  | 'remote-server-timeout'
  | 'resource-constraint'
  | 'service-unavailable'
  | 'subscription-required'
  | 'undefined-condition'
  | 'unexpected-request';

/** RFC 6120 §8.3.2 error types. */
export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** The type RFC 6120 §8.3.3 gives each condition in its examples. */
const DEFAULT_TYPE: Record<StanzaCondition, StanzaErrorType> = {
  'bad-request': 'modify',
  conflict: 'cancel',
  'feature-not-implemented': 'cancel',
  forbidden: 'auth',
  gone: 'cancel',
  'internal-server-error': 'cancel',
  'item-not-found': 'cancel',
  'jid-malformed': 'modify',
  'not-acceptable': 'modify',
  'not-allowed': 'cancel',
  'not-authorized': 'auth',
  'policy-violation': 'modify',
  'recipient-unavailable': 'wait',
  redirect: 'modify',
  'registration-required': 'auth',
  'remote-server-not-found': 'cancel',
  'remote-server-timeout': 'wait',
  'resource-constraint': 'wait',
  'service-unavailable': 'cancel',
  'subscription-required': 'auth',
  'undefined-condition': 'cancel',
  'unexpected-request': 'wait',
};

/** A refusal of one stanza; the router answers it with an error stanza and goes on. */
export class StanzaError extends Error {
  readonly type: StanzaErrorType;
  constructor(
    readonly condition: StanzaCondition,
    /** Human-readable, English: for logs and the client's developer (clients localise by condition). */
    readonly text?: string,
    type?: StanzaErrorType,
    /** An application-specific condition element (e.g. a XEP's own error child). */
    readonly appCondition?: XmlElement,
  ) {
    super(text ?? condition);
    this.name = 'StanzaError';
    this.type = type ?? DEFAULT_TYPE[condition];
  }
}

const BY_CODE: Partial<Record<ErrorCode, StanzaCondition>> = {
  PARLEY_ERR_VALIDATION: 'bad-request',
  PARLEY_ERR_BAD_JSON: 'bad-request',
  PARLEY_ERR_UNAUTHENTICATED: 'not-authorized',
  PARLEY_ERR_INVALID_CREDENTIALS: 'not-authorized',
  PARLEY_ERR_FORBIDDEN: 'forbidden',
  PARLEY_ERR_NOT_FOUND: 'item-not-found',
  PARLEY_ERR_CONFLICT: 'conflict',
  PARLEY_ERR_BODY_TOO_LARGE: 'not-acceptable',
  PARLEY_ERR_QUOTA_EXCEEDED: 'resource-constraint',
  PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE: 'not-acceptable',
  PARLEY_ERR_TOO_MANY_REQUESTS: 'policy-violation',
  PARLEY_ERR_NOT_READY: 'service-unavailable',
  PARLEY_ERR_INVALID_STATE: 'unexpected-request',
  PARLEY_ERR_DEVICE_UNSUPPORTED: 'feature-not-implemented',
  PARLEY_ERR_DEVICE_UNREACHABLE: 'recipient-unavailable',
  PARLEY_ERR_DOMAIN_BLOCKED: 'not-acceptable',
};

/**
 * Any error thrown while handling a stanza, as a StanzaError: a StanzaError as it is, a core
 * error by its code (its message as text), anything else an internal-server-error (no text: the
 * cause goes to the log, never to the client).
 */
export function toStanzaError(err: unknown): StanzaError {
  if (err instanceof StanzaError) return err;
  const parley = asParleyError(err);
  if (parley) {
    const condition = BY_CODE[parley.code] ?? 'undefined-condition';
    const type = parley.code === 'PARLEY_ERR_TOO_MANY_REQUESTS' ? 'wait' : undefined;
    return new StanzaError(condition, parley.message, type);
  }
  return new StanzaError('internal-server-error');
}

/** `<error type=…><condition/><text/></error>` for `err`. */
export function errorElement(err: StanzaError): XmlElement {
  return x(
    'error',
    { type: err.type },
    x(err.condition, { xmlns: STANZAS_NS }),
    err.text !== undefined && x('text', { xmlns: STANZAS_NS, 'xml:lang': 'en' }, err.text),
    err.appCondition,
  );
}

/**
 * The error reply to `stanza` (RFC 6120 §8.2): from and to swapped, same id, type `error`, the
 * original payload left out (allowed by §8.3.1).
 */
export function errorReply(stanza: XmlElement, err: StanzaError): XmlElement {
  return x(
    stanza.name,
    { from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id, type: 'error' },
    errorElement(err),
  );
}

/** Whether an error reply may be sent for `stanza`: never for an error (RFC 6120 §8.3.1). */
export const mayReplyWithError = (stanza: XmlElement): boolean => stanza.attrs.type !== 'error';
