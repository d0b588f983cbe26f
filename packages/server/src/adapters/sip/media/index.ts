// Parley's media engine for CTI (docs/architecture.md, "The media engine"): what the switch uses.
export { type DigitOptions, MAX_DIGITS } from './dtmf.js';
export { type EndpointStats, MediaEndpoint, type MediaPeer, type MediaSettings, mediaSettings } from './endpoint.js';
export { Conference, type ConferenceMember } from './mixer.js';
export { MediaRelay, type RelayLeg, type Side } from './relay.js';
export {
  anchoredSdp,
  type Direction,
  formatFor,
  type LocalMedia,
  type MediaFormat,
  MediaSdpError,
  mediaAnswer,
  mediaOffer,
  type PeerMedia,
  readPeerMedia,
} from './sdp.js';
