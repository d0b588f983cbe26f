// A media endpoint: one UDP socket for RTP on a port of the configured range, talking to one peer.
// Symmetric RTP (RFC 4961): we send from the port we receive on, and to where the peer's packets
// come from once one has arrived (latching, as SBCs do for phones behind NAT). RTCP is not served:
// no socket on the odd port, and RTCP arriving on the RTP port (RFC 5761) is dropped.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ParleyError } from '../../../core/errors.js';
import type { SipConfig } from '../../../platform/config/sip-schema.js';
import type { Logger } from '../../../platform/log.js';
import { PortAllocator } from './ports.js';
import { isRtcp, parseRtp, type RtpPacket, RtpParseError, renderRtp } from './rtp.js';

export interface MediaLimits {
  /** Largest datagram taken, bytes. */
  maxPacketBytes: number;
  /** Datagrams taken per second (a bucket holding a fifth of a second's worth). */
  maxPacketsPerSecond: number;
}

export interface MediaEndpointOptions {
  /** The address to bind (IPv4 or IPv6). */
  address: string;
  ports: PortAllocator;
  limits: MediaLimits;
  log: Logger;
}

/** Where the peer said it receives (its SDP), and which addresses may send to us. */
export interface MediaPeer {
  address: string;
  port: number;
  /**
   * More source addresses to accept besides `address`: the phone's signalling address when its SDP
   * names a private one behind NAT.
   */
  sources?: string[];
}

export type DropReason = 'size' | 'rate' | 'rtcp' | 'malformed' | 'unexpected' | 'foreign';

export interface EndpointStats {
  received: number;
  sent: number;
  dropped: Record<DropReason, number>;
}

export interface SocketAddress {
  address: string;
  port: number;
}

/** `::ffff:192.0.2.1` and `192.0.2.1` are one source. */
const plain = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * One RTP socket towards one peer. Before {@link connect} every packet is dropped; after it, the
 * first well-formed RTP packet from an accepted address (the SDP's, or one of `sources`, any port)
 * latches the peer's address and port, and from then on only that address and port is heard from
 * and sent to. `connect` again (a new offer or answer) forgets the latch.
 *
 * @example
 * const endpoint = await MediaEndpoint.open({ address: '192.0.2.10', ports, limits, log });
 * endpoint.onPacket = (packet) => { … };
 * endpoint.connect({ address: '198.51.100.7', port: 4000 });
 * endpoint.send({ marker: false, payloadType: 0, sequence, timestamp, ssrc, csrc: [], payload });
 * await endpoint.close();
 */
export class MediaEndpoint {
  /** Called for each RTP packet taken from the peer. */
  onPacket: ((packet: RtpPacket) => void) | undefined;
  readonly stats: EndpointStats = {
    received: 0,
    sent: 0,
    dropped: { size: 0, rate: 0, rtcp: 0, malformed: 0, unexpected: 0, foreign: 0 },
  };
  private peer: MediaPeer | undefined;
  private accepted = new Set<string>();
  private latched: SocketAddress | undefined;
  private tokens: number;
  private tokensAt = performance.now();
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    private readonly options: MediaEndpointOptions,
  ) {
    this.tokens = this.burst;
    socket.on('message', (bytes, from) => this.receive(bytes, from));
    socket.on('error', (error) => options.log.warn({ err: error, port }, 'media socket error'));
  }

  /**
   * Binds a socket on the next free even port of the range; a port another process holds is
   * skipped. Throws PARLEY_ERR_NOT_READY when no port of the range can be bound.
   */
  static async open(options: MediaEndpointOptions): Promise<MediaEndpoint> {
    const type = isIP(options.address) === 6 ? 'udp6' : 'udp4';
    // Each port of the range at most once: one another process holds is given back and skipped.
    for (let attempt = 0; attempt < options.ports.size; attempt++) {
      const port = options.ports.take();
      if (port === undefined) break;
      const socket = createSocket({ type, reuseAddr: false });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address: options.address, port, exclusive: true }, () => {
            socket.off('error', reject);
            resolve();
          });
        });
        return new MediaEndpoint(socket, options.address, port, options);
      } catch (error) {
        socket.close();
        options.ports.release(port);
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
    }
    throw new ParleyError('PARLEY_ERR_NOT_READY', 'no free media port in sip.media.portRange');
  }

  /** Where packets go now: the latched source, else the address and port of the peer's SDP. */
  get remote(): SocketAddress | undefined {
    return this.latched ?? (this.peer ? { address: this.peer.address, port: this.peer.port } : undefined);
  }

  /** Whether a packet from the peer has fixed its address and port. */
  get isLatched(): boolean {
    return this.latched !== undefined;
  }

  connect(peer: MediaPeer): void {
    this.peer = peer;
    this.accepted = new Set([peer.address, ...(peer.sources ?? [])].map(plain));
    this.latched = undefined;
  }

  /** Sends one packet to the peer; false when there is nowhere to send (no peer, port 0, closed). */
  send(packet: RtpPacket): boolean {
    const to = this.remote;
    if (this.closed || !to || to.port === 0) return false;
    this.socket.send(renderRtp(packet), to.port, to.address);
    this.stats.sent++;
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onPacket = undefined;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    this.options.ports.release(this.port);
  }

  private get burst(): number {
    return Math.max(10, this.options.limits.maxPacketsPerSecond / 5);
  }

  private receive(bytes: Buffer, from: SocketAddress): void {
    const reason = this.refusal(bytes, from);
    if (reason) {
      this.stats.dropped[reason]++;
      return;
    }
    let packet: RtpPacket;
    try {
      packet = parseRtp(bytes, this.options.limits.maxPacketBytes);
    } catch (error) {
      if (!(error instanceof RtpParseError)) throw error;
      this.stats.dropped.malformed++;
      return;
    }
    if (!this.latched) this.latched = { address: from.address, port: from.port };
    this.stats.received++;
    try {
      this.onPacket?.(packet);
    } catch (err) {
      this.options.log.error({ err, port: this.port }, 'media packet handler failed');
    }
  }

  /** Why a datagram is not taken; undefined when it may be parsed. */
  private refusal(bytes: Buffer, from: SocketAddress): DropReason | undefined {
    if (bytes.length > this.options.limits.maxPacketBytes) return 'size';
    if (!this.peer) return 'unexpected';
    const latched = this.latched;
    if (
      latched ? latched.port !== from.port || latched.address !== from.address : !this.accepted.has(plain(from.address))
    ) {
      return 'foreign';
    }
    // Only the peer's packets draw on its budget, so a flood from elsewhere cannot starve it.
    if (!this.takeToken()) return 'rate';
    return isRtcp(bytes) ? 'rtcp' : undefined;
  }

  private takeToken(): boolean {
    const now = performance.now();
    const perMs = this.options.limits.maxPacketsPerSecond / 1000;
    this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) * perMs);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** What every media endpoint of a node is opened with, from the `sip` section. */
export interface MediaSettings {
  /** Bind address. */
  address: string;
  /** The address in our SDP. */
  advertise: string;
  ports: PortAllocator;
  limits: MediaLimits;
  maxParticipants: number;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/**
 * The media settings of `sip.media`: the bind address defaults to `sip.host`; the address put into
 * SDP to `sip.media.advertise`, else `sip.advertise` when that is an IP address, else the bind
 * address, which then must not be a wildcard.
 */
export function mediaSettings(sip: SipConfig): MediaSettings {
  const { media } = sip;
  const address = media.address ?? sip.host;
  const advertise = media.advertise ?? (sip.advertise && isIP(sip.advertise) ? sip.advertise : address);
  if (WILDCARDS.has(advertise) || isIP(advertise) === 0) {
    throw new RangeError('sip.media.advertise must be set when media binds to a wildcard address or a host name');
  }
  return {
    address,
    advertise,
    ports: new PortAllocator(media.portRange.first, media.portRange.last),
    limits: { maxPacketBytes: media.maxPacketBytes, maxPacketsPerSecond: media.maxPacketsPerSecond },
    maxParticipants: media.maxParticipants,
  };
}
