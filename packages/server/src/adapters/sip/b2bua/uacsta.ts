// uaCSTA (ECMA TR/87, "Using CSTA for SIP phone user agents"): Parley as the CSTA client of a
// phone that takes CSTA XML. The pure pieces: whether a device offers it, the requests Parley sends
// (ECMA-323 edition 3, as TR/87 and the phones that speak it use) and the reading of the phone's
// answer. The XML is the CSTA server's own (guarded parse, no DTD or entities, limits).
import { ParleyError } from '../../../core/errors.js';
import { connectionMarkup } from '../../csta/render.js';
import { childNamed, cstaNamespace, document, parseMessage, XmlBodyError, type XmlLimits } from '../../csta/xml.js';
import { headerValues, type SipHeader, type SipRequest, type SipResponse } from '../message/index.js';

export const CSTA_XML = 'application/csta+xml';

/** A phone's answer is small (a response or a CSTAErrorCode). */
export const UACSTA_LIMITS: XmlLimits = { maxBytes: 16_384, maxDepth: 16, maxElements: 200 };

const NAMESPACE = cstaNamespace(3);

/** A device offers uaCSTA when it accepts CSTA XML bodies (`Accept: application/csta+xml`, TR/87). */
export const acceptsCsta = (m: SipRequest | SipResponse): boolean =>
  headerValues(m.headers, 'Accept')
    .flatMap((v) => v.split(','))
    .some((t) => (t.split(';')[0] ?? '').trim().toLowerCase() === CSTA_XML);

/** The headers of every CSTA body Parley sends (the INVITE of the session, each INFO). */
export const cstaHeaders: SipHeader[] = [
  { name: 'Content-Type', value: CSTA_XML },
  { name: 'Content-Disposition', value: 'signal;handling=required' },
];

/** The requests Parley sends: the session's opening, and services on a connection at the phone. */
export type UaCstaRequest =
  | { service: 'RequestSystemStatus' }
  | { service: 'AnswerCall' | 'HoldCall' | 'RetrieveCall' | 'ClearConnection'; callId: string; deviceId: string };

/** The ECMA-323 element naming the connection of each service. */
const connectionElement = {
  AnswerCall: 'callToBeAnswered',
  HoldCall: 'callToBeHeld',
  RetrieveCall: 'callToBeRetrieved',
  ClearConnection: 'connectionToBeCleared',
} as const;

export function renderUaCsta(request: UaCstaRequest): string {
  if (request.service === 'RequestSystemStatus') return document('RequestSystemStatus', NAMESPACE);
  const connection = { callId: request.callId, deviceId: request.deviceId };
  return document(request.service, NAMESPACE, [connectionMarkup(connectionElement[request.service], connection)]);
}

/**
 * The phone's answer to `service` (the body of its 2xx): nothing when it is the positive response;
 * otherwise the ParleyError to report (a CSTAErrorCode: state errors are INVALID_STATE, the rest
 * DEVICE_UNSUPPORTED; anything else, or no body, DEVICE_UNSUPPORTED with what was wrong).
 */
export function uaCstaFailure(service: UaCstaRequest['service'], body: Buffer): ParleyError | undefined {
  const unsupported = (why: string) => new ParleyError('PARLEY_ERR_DEVICE_UNSUPPORTED', `uaCSTA ${service}: ${why}`);
  if (body.length === 0) return unsupported('the phone sent no CSTA response');
  let root: ReturnType<typeof parseMessage>['root'];
  try {
    root = parseMessage(body.toString('utf8'), UACSTA_LIMITS).root;
  } catch (err) {
    if (err instanceof XmlBodyError) return unsupported(`the phone's response is not usable XML (${err.message})`);
    throw err;
  }
  if (root.name === `${service}Response`) return undefined;
  if (root.name !== 'CSTAErrorCode') return unsupported(`the phone answered ${root.name}`);
  const [category] = root.children;
  const value = category && (category.text.trim() || category.children[0]?.name || '');
  const why = `the phone refused it (${category?.name ?? 'unknown'}: ${value || 'no value'})`;
  return category && childNamed(root, 'stateIncompatibility') === category
    ? new ParleyError('PARLEY_ERR_INVALID_STATE', `uaCSTA ${service}: ${why}`)
    : unsupported(why);
}

/** A device's identifier in uaCSTA: the URI of its address (`<sip:202@example.test>` → `sip:202@example.test`). */
export const deviceIdOf = (nameAddr: string): string => /<([^>]*)>/.exec(nameAddr)?.[1] ?? nameAddr.trim();
