// Session descriptions of a Parley media endpoint (RFC 4566, offer/answer RFC 3264): an offer, an
// answer to a peer's offer, and what a peer's description says about its audio. Audio only, RTP/AVP
// with G.711 and telephone-event (RFC 4733 §7); no SRTP, no ICE. What the switch reads of SDPs it
// passes through is in ../b2bua/sdp.ts.
import { isIP } from 'node:net';
import { type MediaDescription, parse, type SessionDescription, write } from 'sdp-transform';
import { G711_PAYLOAD_TYPE, type G711Codec, SAMPLE_RATE } from './g711.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What a media endpoint sends and expects: one G.711 codec and, when negotiated, telephone-event. */
export interface MediaFormat {
  codec: G711Codec;
  payloadType: number;
  /** The telephone-event payload type; absent when the peer offered none (no digits then). */
  eventPayloadType?: number;
}

/** The audio stream a peer described. */
export interface PeerMedia {
  /** The connection address (media level, else session level); `0.0.0.0` is an old-style hold. */
  address: string;
  port: number;
  direction: Direction;
  /** Its G.711 formats in its order of preference, each with its payload type. */
  codecs: { codec: G711Codec; payloadType: number }[];
  eventPayloadType?: number;
}

/** Our side of a description. */
export interface LocalMedia {
  /** The address put into `o=` and `c=` (an IPv4 or IPv6 address). */
  address: string;
  port: number;
  /** `o=` session id and version: the same id for a session, the version up by one per new offer (RFC 3264 §8). */
  sessionId: number;
  version: number;
  direction?: Direction;
}

/** A description the engine cannot use; the switch answers 488 (RFC 3261 §21.4.26). */
export class MediaSdpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaSdpError';
  }
}

export const MAX_SDP_BYTES = 16 * 1024;
const MAX_MEDIA_LINES = 16;
export const DEFAULT_EVENT_PAYLOAD_TYPE = 101;
const AUDIO_PROFILE = 'RTP/AVP';

function parseBounded(sdp: string): SessionDescription {
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) throw new MediaSdpError(`SDP longer than ${MAX_SDP_BYTES} bytes`);
  if ((sdp.match(/^m=/gm)?.length ?? 0) > MAX_MEDIA_LINES)
    throw new MediaSdpError(`more than ${MAX_MEDIA_LINES} m= lines`);
  return parse(sdp);
}

const payloadList = (media: MediaDescription) =>
  String(media.payloads ?? '')
    .split(' ')
    .filter((p) => /^\d{1,3}$/.test(p))
    .map(Number);

/** A G.711 codec by static payload type (RFC 3551 Table 4) or by its rtpmap name at 8000 Hz. */
function codecOf(media: MediaDescription, payloadType: number): G711Codec | 'telephone-event' | undefined {
  const map = media.rtp.find((r) => r.payload === payloadType);
  if (!map) {
    if (payloadType === G711_PAYLOAD_TYPE.PCMU) return 'PCMU';
    return payloadType === G711_PAYLOAD_TYPE.PCMA ? 'PCMA' : undefined;
  }
  if (map.rate !== SAMPLE_RATE || (map.encoding ?? 1) !== 1) return undefined;
  const name = map.codec.toUpperCase();
  if (name === 'PCMU' || name === 'PCMA') return name;
  return name === 'TELEPHONE-EVENT' ? 'telephone-event' : undefined;
}

/** Whether we take this m= line: audio over plain RTP/AVP with a port (SRTP, video, data refused). */
const usable = (media: MediaDescription) =>
  media.type === 'audio' && media.protocol.toUpperCase() === AUDIO_PROFILE && media.port > 0;

function peerOf(session: SessionDescription, media: MediaDescription): PeerMedia {
  const address = (media.connection ?? session.connection)?.ip.split('/')[0];
  if (!address || isIP(address) === 0) throw new MediaSdpError('no connection address (c=) that is an IP address');
  if (media.port > 65535) throw new MediaSdpError(`port ${media.port}`);
  const codecs: PeerMedia['codecs'] = [];
  let eventPayloadType: number | undefined;
  for (const payloadType of payloadList(media)) {
    const codec = codecOf(media, payloadType);
    if (codec === 'telephone-event') eventPayloadType ??= payloadType;
    else if (codec) codecs.push({ codec, payloadType });
  }
  const unspecified = address === '0.0.0.0' || address === '::';
  const direction = unspecified ? 'inactive' : (media.direction ?? session.direction ?? 'sendrecv');
  return {
    address,
    port: media.port,
    direction,
    codecs,
    ...(eventPayloadType !== undefined ? { eventPayloadType } : {}),
  };
}

/**
 * The first usable audio stream of a peer's description (offer or answer). Throws
 * {@link MediaSdpError} when there is none or it has no G.711 codec.
 */
export function readPeerMedia(sdp: string): PeerMedia {
  const session = parseBounded(sdp);
  const media = session.media.find(usable);
  if (!media) throw new MediaSdpError('no audio stream over RTP/AVP');
  const peer = peerOf(session, media);
  if (peer.codecs.length === 0) throw new MediaSdpError('no G.711 codec (PCMU or PCMA) offered');
  return peer;
}

/** The format to use with a peer: its first G.711 codec and its telephone-event payload type. */
export function formatFor(peer: PeerMedia): MediaFormat {
  const [first] = peer.codecs;
  if (!first) throw new MediaSdpError('no G.711 codec (PCMU or PCMA) offered');
  return { ...first, ...(peer.eventPayloadType !== undefined ? { eventPayloadType: peer.eventPayloadType } : {}) };
}

/** The answer's direction to an offered one (RFC 3264 §6.1), limited by what we want. */
function answerDirection(offered: Direction, wanted: Direction): Direction {
  const send = (offered === 'sendrecv' || offered === 'recvonly') && (wanted === 'sendrecv' || wanted === 'sendonly');
  const receive =
    (offered === 'sendrecv' || offered === 'sendonly') && (wanted === 'sendrecv' || wanted === 'recvonly');
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

function session(local: LocalMedia, media: MediaDescription[]): string {
  const ipVer = isIP(local.address);
  if (ipVer === 0) throw new RangeError(`local media address ${local.address} is not an IP address`);
  return write({
    version: 0,
    origin: {
      username: 'parley',
      sessionId: local.sessionId,
      sessionVersion: local.version,
      netType: 'IN',
      ipVer,
      address: local.address,
    },
    name: '-',
    connection: { version: ipVer, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  });
}

function audio(port: number, codecs: PeerMedia['codecs'], eventPt?: number) {
  const rtp: MediaDescription['rtp'] = codecs.map(({ codec, payloadType }) => ({
    payload: payloadType,
    codec,
    rate: SAMPLE_RATE,
  }));
  const fmtp: MediaDescription['fmtp'] = [];
  if (eventPt !== undefined) {
    rtp.push({ payload: eventPt, codec: 'telephone-event', rate: SAMPLE_RATE });
    fmtp.push({ payload: eventPt, config: '0-15' });
  }
  return {
    type: 'audio',
    port,
    protocol: AUDIO_PROFILE,
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp,
    fmtp,
    ptime: 20,
  };
}

/**
 * An offer for a local endpoint: one audio stream with PCMU and PCMA (static payload types) and
 * telephone-event 0-15, ptime 20.
 *
 * @example
 * mediaOffer({ address: '192.0.2.10', port: 20000, sessionId: 1, version: 1 })
 */
export function mediaOffer(
  local: LocalMedia,
  options: { codecs?: G711Codec[]; eventPayloadType?: number } = {},
): string {
  const codecs = (options.codecs ?? ['PCMU', 'PCMA']).map((codec) => ({
    codec,
    payloadType: G711_PAYLOAD_TYPE[codec],
  }));
  const media = audio(local.port, codecs, options.eventPayloadType ?? DEFAULT_EVENT_PAYLOAD_TYPE);
  return session(local, [{ ...media, direction: local.direction ?? 'sendrecv' }]);
}

/**
 * Answers a peer's offer (RFC 3264 §6): one m= line per offered one; the first usable audio stream
 * gets the first G.711 codec of the offer and keeps the offer's telephone-event payload type, every
 * other stream is refused with port 0. Returns the answer, what the peer offered and the format both
 * sides now use; throws {@link MediaSdpError} (→ 488) when no audio stream carries G.711.
 */
export function mediaAnswer(offer: string, local: LocalMedia): { sdp: string; peer: PeerMedia; format: MediaFormat } {
  const offered = parseBounded(offer);
  const chosen = offered.media.find(usable);
  if (!chosen) throw new MediaSdpError('no audio stream over RTP/AVP');
  const peer = peerOf(offered, chosen);
  const format = formatFor(peer);
  const media = offered.media.map((m): MediaDescription => {
    if (m !== chosen)
      return { type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads ?? '', rtp: [], fmtp: [] };
    const described = audio(local.port, [format], format.eventPayloadType);
    return { ...described, direction: answerDirection(peer.direction, local.direction ?? 'sendrecv') };
  });
  return { sdp: session(local, media), peer, format };
}

/**
 * A description passed on through a relay (RFC 3264 offers and answers between the two legs): the
 * same, but its first usable audio stream at our address and port, without the sender's RTCP and
 * ICE addresses; every other stream refused with port 0, since only that audio is relayed. Payload
 * types stay as they were, which is what lets the relay pass packets on unchanged. Also returns
 * the sender's audio as {@link readPeerMedia} reads it, in any codec: where its endpoint sends to,
 * and the telephone-event payload type digits sent towards the sender must carry.
 */
export function anchoredSdp(sdp: string, local: { address: string; port: number }): { sdp: string; peer: PeerMedia } {
  const session = parseBounded(sdp);
  const chosen = session.media.find(usable);
  if (!chosen) throw new MediaSdpError('no audio stream over RTP/AVP');
  const peer = peerOf(session, chosen);
  const ipVer = isIP(local.address);
  if (ipVer === 0) throw new RangeError(`local media address ${local.address} is not an IP address`);
  const connection = { version: ipVer, ip: local.address };
  const media = session.media.map((m): MediaDescription => {
    if (m !== chosen)
      return { type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads ?? '', rtp: [], fmtp: [] };
    const { rtcp: _rtcp, candidates: _candidates, connection: _connection, ...kept } = m;
    return { ...kept, port: local.port, ...(m.connection ? { connection } : {}) };
  });
  return { sdp: write({ ...session, connection, media }), peer };
}
