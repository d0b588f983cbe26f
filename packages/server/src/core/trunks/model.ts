/**
 * A SIP trunk of a tenant: the provider's (ITSP) or a PBX's gateway that carries the tenant's calls
 * to and from numbers outside it. The first trunk by name carries outgoing calls.
 */
export interface Trunk {
  id: string;
  tenantId: string;
  /** Unique in the tenant: lower-case letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Host name or IP address of the provider's SIP server. */
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Digest user name for the provider's challenges (401/407); null: it challenges nothing. */
  username: string | null;
  hasPassword: boolean;
  /** Register with the provider. */
  register: boolean;
  /** How numbers go to the provider: E.164 with '+', or as dialled nationally. */
  numberFormat: 'e164' | 'national';
  /** E.164 presented for a caller whose line has no DID. */
  callerId: string | null;
  /** Where calls from it come from: addresses, `address:port` or CIDR ranges; empty: the host's addresses at its port. */
  inboundSources: string[];
  createdAt: number;
}

/** What a tenant admin gives to add a trunk. */
export interface AddTrunkInput {
  name: string;
  host: string;
  port?: number;
  transport?: Trunk['transport'];
  username?: string;
  password?: string;
  register?: boolean;
  numberFormat?: Trunk['numberFormat'];
  callerId?: string;
  inboundSources?: string[];
}

/** Where a call over a trunk goes: the trunk, an address the outbound policy allowed, the credentials. */
export interface TrunkRoute {
  trunk: Trunk;
  address: { host: string; port: number };
  credentials?: { username: string; password: string };
}

export const TRUNK_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
