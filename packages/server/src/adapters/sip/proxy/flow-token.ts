// Flow tokens (RFC 5626 §5.2): the user part of the Path and Record-Route URIs a node puts in
// front of a connection it holds (TCP, TLS, WebSocket), naming that connection. HMAC-signed with a
// cluster key and this run's instance, so nobody outside can make a node forward to a flow of its
// choosing, and a token of an earlier run of the node names nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'flow.';
const MAC_BYTES = 16;

/** What a URI user part says as a flow token: not one, a forged or foreign one, or a flow of this node. */
export type TokenReading = { kind: 'none' } | { kind: 'forged' } | { kind: 'flow'; flowId: string };

/** Whether a URI user part is shaped as a flow token (of any node). */
export const isFlowToken = (user: string | undefined): boolean => user?.startsWith(PREFIX) === true;

export class FlowTokens {
  constructor(
    private readonly key: Buffer,
    /** This run of the node: a token signed by another run or node does not verify. */
    private readonly instance: string,
  ) {}

  private mac(flowId: string): Buffer {
    return createHmac('sha256', this.key).update(`${this.instance}\n${flowId}`).digest().subarray(0, MAC_BYTES);
  }

  /** The user part naming `flowId` on this node. */
  sign(flowId: string): string {
    return `${PREFIX}${Buffer.from(flowId).toString('base64url')}.${this.mac(flowId).toString('base64url')}`;
  }

  read(user: string | undefined): TokenReading {
    if (user === undefined || !isFlowToken(user)) return { kind: 'none' };
    const [id, mac, ...rest] = user.slice(PREFIX.length).split('.');
    if (id === undefined || mac === undefined || rest.length > 0) return { kind: 'forged' };
    const flowId = Buffer.from(id, 'base64url').toString();
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(flowId);
    return given.length === expected.length && timingSafeEqual(given, expected)
      ? { kind: 'flow', flowId }
      : { kind: 'forged' };
  }
}
