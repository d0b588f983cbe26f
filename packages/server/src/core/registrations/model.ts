/** Where one registered device can be reached: one contact of an address of record (RFC 3261 §10). */
export interface Binding {
  /** The contact URI as the device registered it. */
  contact: string;
  deviceId: string;
  userId: string;
  /** When the binding lapses (ms since the epoch). */
  expiresAt: number;
  /** Preference among the user's contacts, 0 to 1 (RFC 3261 §20.10). */
  q: number;
  /** Call-ID and CSeq of the REGISTER that wrote it: an older one may not overwrite it (§10.3 step 7). */
  callId: string;
  cseq: number;
  /** RFC 5626 `+sip.instance` and `reg-id`, when the device sent them. */
  instance?: string;
  regId?: number;
  /** The node instance holding the connection the device registered over, and that flow. */
  node: string;
  flow: BindingFlow;
  /** RFC 3327 Path the REGISTER carried (proxies between the device and us). */
  path?: string[];
  userAgent?: string;
  /** Event packages the device accepts (its REGISTER's Allow-Events): `talk` lets call control answer it. */
  events?: string[];
  /** The device accepts CSTA XML (`Accept: application/csta+xml` in its REGISTER): call control may open a uaCSTA session to it (ECMA TR/87). */
  uaCsta?: true;
}

/** The transport flow a device registered over: requests to it go back the same way (RFC 5626). */
export interface BindingFlow {
  /** The node-local id of the connection (or of the UDP socket and peer). */
  id: string;
  /** UDP, TCP, TLS, WS or WSS. */
  transport: string;
  /** The address and port the device's requests came from (behind NAT: the NAT's). */
  address: string;
  port: number;
}
