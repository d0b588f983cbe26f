// SIP messages (RFC 3261 §7, §18.3, §19, §20, §25): parsing with limits, stream framing, rendering.
export { type AuthValue, parseAuth, renderAuth } from './auth.js';
export { makeRequest, makeResponse, renderMessage, respond } from './build.js';
export { type SipErrorContext, type SipParseAction, SipParseError } from './errors.js';
export { type FramerEvent, PONG, SipStreamFramer } from './framer.js';
export { canonicalName, headerValues, type SipHeader, singleHeader } from './headers.js';
export { DEFAULT_SIP_LIMITS, type SipLimits, sipLimits } from './limits.js';
export {
  type ContactList,
  contactExpires,
  contactQ,
  MAX_DELTA_SECONDS,
  type NameAddr,
  parseNameAddr,
  renderNameAddr,
  tagOf,
} from './name-addr.js';
export { parseDatagram, type SipMessage, type SipRequest, type SipResponse } from './parse.js';
export { buildResponse, type OutgoingRequest, type OutgoingResponse, renderRequest, renderResponse } from './render.js';
export { quote, type SipParams, unquote } from './scan.js';
export { isSipUri, type OtherUri, parseUri, renderUri, type SipUri, type Uri } from './uri.js';
export { parseVia, renderVia, type Via } from './via.js';
