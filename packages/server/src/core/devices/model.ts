/** A user's SIP device as everyone may see it: never its secret or a digest of it. */
export interface Device {
  id: string;
  tenantId: string;
  userId: string;
  name: string;
  /** Digest user name the device registers with, unique in the tenant. */
  username: string;
  realm: string;
  createdAt: number;
  rotatedAt: number | null;
  /** The line the device rings for; null: every line of its owner. */
  lineId: string | null;
}

/** RFC 7616 HA1 digests of a device's secret, for the registrar's digest check. */
export interface DeviceDigests {
  ha1Md5: string;
  ha1Sha256: string;
}

/** What a SIP digest check needs about a device. */
export interface DeviceCredentials extends DeviceDigests {
  deviceId: string;
  userId: string;
  username: string;
  realm: string;
}
