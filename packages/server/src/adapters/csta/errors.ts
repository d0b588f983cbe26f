// CSTA errors (ECMA-269 §9, rendered as ECMA-323 `CSTAErrorCode`): one category element holding
// one value. The core's ParleyError codes map onto them in one table. The names are those of the
// CSTA Phase III error definitions (ECMA-285 `CSTA-error-definition`, whose names ECMA-323's
// error schema takes over), not the older Phase II ones (e.g. `privilegeViolationOnSpecifiedDevice`).
import type { ErrorCode } from '@parley/api';
import { asParleyError } from '../../core/errors.js';

/** The ECMA-323 error categories and the values of each that Parley sends. */
export interface CstaErrorValues {
  operation:
    | 'generic'
    | 'requestIncompatibleWithObject'
    | 'valueOutOfRange'
    | 'objectNotKnown'
    | 'invalidCallingDeviceID'
    | 'invalidCalledDeviceID'
    | 'invalidForwardingDestination'
    | 'privilegeViolationSpecifiedDevice'
    | 'invalidCallID'
    | 'invalidDeviceID'
    | 'invalidConnectionID'
    | 'invalidDestination'
    | 'invalidFeature'
    | 'invalidCrossRefID'
    | 'invalidObjectType'
    | 'securityViolation';
  security: 'generic' | 'sequenceNumberViolated' | 'timeStampViolated' | 'securityInfoViolated';
  stateIncompatibility:
    | 'generic'
    | 'invalidObjectState'
    | 'invalidConnectionIDForActiveCall'
    | 'noActiveCall'
    | 'noHeldCall'
    | 'noCallToClear'
    | 'noConnectionToClear'
    | 'noCallToAnswer'
    | 'noCallToComplete';
  systemResourceAvailability:
    | 'generic'
    | 'resourceBusy'
    | 'internalResourceBusy'
    | 'resourceOutOfService'
    | 'networkBusy'
    | 'networkOutOfService'
    | 'overallMonitorLimitExceeded';
  subscribedResourceAvailability: 'generic' | 'objectMonitorLimitExceeded' | 'outstandingReqLimitExceeded';
  performanceManagement: 'generic' | 'performanceLimitExceeded';
}

/** One CSTA error: a category and its value, and a reason for the log (never sent). */
export type CstaError = {
  [C in keyof CstaErrorValues]: { category: C; value: CstaErrorValues[C]; reason?: string };
}[keyof CstaErrorValues];

/** A failure a service handler raises to answer with a CSTA error. */
export class CstaFailure extends Error {
  override readonly name = 'CstaFailure';
  constructor(readonly error: CstaError) {
    super(error.reason ?? `${error.category}: ${error.value}`);
  }
}

export const cstaError = <C extends keyof CstaErrorValues>(
  category: C,
  value: CstaErrorValues[C],
  reason?: string,
): CstaFailure => new CstaFailure({ category, value, reason } as CstaError);

/** What a request names where the core found nothing: a device, a call, or a connection. */
export type Subject = 'device' | 'call' | 'connection';

const notFoundBySubject = {
  device: 'invalidDeviceID',
  call: 'invalidCallID',
  connection: 'invalidConnectionID',
} as const satisfies Record<Subject, CstaErrorValues['operation']>;

/**
 * The core's error codes as CSTA errors (ECMA-269 §9.2). NOT_FOUND depends on what the request
 * named; codes that only other protocols raise fall to `operation: generic`.
 */
const byCode: Partial<Record<ErrorCode, (subject: Subject) => CstaError>> = {
  PARLEY_ERR_NOT_FOUND: (s) => ({ category: 'operation', value: notFoundBySubject[s] }),
  PARLEY_ERR_INVALID_STATE: () => ({ category: 'stateIncompatibility', value: 'invalidObjectState' }),
  PARLEY_ERR_DEVICE_UNSUPPORTED: () => ({ category: 'operation', value: 'requestIncompatibleWithObject' }),
  PARLEY_ERR_DEVICE_UNREACHABLE: () => ({ category: 'systemResourceAvailability', value: 'resourceOutOfService' }),
  PARLEY_ERR_FORBIDDEN: () => ({ category: 'operation', value: 'privilegeViolationSpecifiedDevice' }),
  PARLEY_ERR_VALIDATION: () => ({ category: 'operation', value: 'invalidDestination' }),
  PARLEY_ERR_CONFLICT: () => ({ category: 'stateIncompatibility', value: 'invalidObjectState' }),
  PARLEY_ERR_UNAUTHENTICATED: () => ({ category: 'operation', value: 'securityViolation' }),
  PARLEY_ERR_INVALID_CREDENTIALS: () => ({ category: 'operation', value: 'securityViolation' }),
  PARLEY_ERR_TOO_MANY_REQUESTS: () => ({ category: 'performanceManagement', value: 'performanceLimitExceeded' }),
  PARLEY_ERR_NOT_READY: () => ({ category: 'systemResourceAvailability', value: 'resourceBusy' }),
};

/**
 * Any error a service handler threw as the CSTA error to answer: a CstaFailure as it is, a
 * ParleyError through the table, anything else (a bug) as `operation: generic`; `internal` says
 * whether it is worth an error log.
 */
export function toCstaError(err: unknown, subject: Subject): { error: CstaError; internal: boolean } {
  if (err instanceof CstaFailure) return { error: err.error, internal: false };
  const parley = asParleyError(err);
  const mapped = parley && byCode[parley.code];
  if (parley && mapped) return { error: { ...mapped(subject), reason: parley.message }, internal: false };
  return {
    error: { category: 'operation', value: 'generic', reason: err instanceof Error ? err.message : String(err) },
    internal: parley === undefined,
  };
}
