// Stream errors (RFC 6120 §4.9): unrecoverable; the stream is closed after the error is sent.
import { type XmlElement, x } from './xml/element.js';
import type { ParseError } from './xml/parser.js';

export const STREAM_ERRORS_NS = 'urn:ietf:params:xml:ns:xmpp-streams';

/** RFC 6120 §4.9.3 conditions this server sends (`see-other-host` is not among them). */
export type StreamCondition =
  | 'bad-format'
  | 'bad-namespace-prefix'
  | 'conflict'
  | 'connection-timeout'
  | 'host-gone'
  | 'host-unknown'
  | 'improper-addressing'
  | 'internal-server-error'
  | 'invalid-from'
  | 'invalid-namespace'
  | 'invalid-xml'
  | 'not-authorized'
  | 'not-well-formed'
  | 'policy-violation'
  | 'remote-connection-failed'
  | 'reset'
  | 'resource-constraint'
  | 'restricted-xml'
  | 'system-shutdown'
  | 'undefined-condition'
  | 'unsupported-encoding'
  | 'unsupported-feature'
  | 'unsupported-stanza-type'
  | 'unsupported-version';

/** Ends a stream: thrown by the stream engine, rendered by `streamErrorElement`. */
export class StreamError extends Error {
  constructor(
    readonly condition: StreamCondition,
    /** English, for the client's developer and the logs. */
    readonly text?: string,
  ) {
    super(text ?? condition);
    this.name = 'StreamError';
  }

  static fromParse(err: ParseError): StreamError {
    return new StreamError(err.condition, err.message);
  }
}

/** `<stream:error><condition/><text/></stream:error>`. */
export function streamErrorElement(err: StreamError): XmlElement {
  return x(
    'stream:error',
    {},
    x(err.condition, { xmlns: STREAM_ERRORS_NS }),
    err.text !== undefined && x('text', { xmlns: STREAM_ERRORS_NS, 'xml:lang': 'en' }, err.text),
  );
}
