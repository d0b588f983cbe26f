// What an LDAP server says of itself in its root DSE (RFC 4512 §5.1): Active Directory or not,
// paged results (RFC 2696), and on AD the USN that incremental syncs start from.
import { type Client, ResultCodeError } from 'ldapts';
import { valueMap } from './values.js';

const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
const AD_CAPABILITY_OIDS = ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1851']; // AD, AD LDS

export interface ServerInfo {
  ad: boolean;
  paging: boolean;
  /** AD: the DC's highest committed USN when the sync started, and which DC (USNs are per DC). */
  highestCommittedUSN: bigint | null;
  dc: string;
}

export async function readRootDse(client: Client): Promise<ServerInfo> {
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['supportedCapabilities', 'supportedControl', 'highestCommittedUSN', 'dsServiceName'],
    });
    const values = valueMap(searchEntries[0] ?? { dn: '' });
    const strings = (name: string) =>
      (values.get(name.toLowerCase()) ?? []).filter((v): v is string => typeof v === 'string');
    const capabilities = strings('supportedCapabilities');
    const controls = strings('supportedControl');
    const usn = strings('highestCommittedUSN')[0];
    return {
      ad: capabilities.some((c) => AD_CAPABILITY_OIDS.includes(c)),
      // A root DSE that lists no controls at all is probably just unreadable: try paging anyway.
      paging: controls.length === 0 || controls.includes(PAGED_RESULTS_OID),
      highestCommittedUSN: usn && /^\d+$/.test(usn) ? BigInt(usn) : null,
      dc: strings('dsServiceName')[0] ?? '',
    };
  } catch (err) {
    // Some servers hide the root DSE from ordinary accounts: assume a plain LDAPv3 server.
    if (err instanceof ResultCodeError) return { ad: false, paging: true, highestCommittedUSN: null, dc: '' };
    throw err;
  }
}
