import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorCode } from '@parley/api';
import { ParleyError } from '../../core/errors.js';
import { cstaError, type Subject, toCstaError } from './errors.js';

test('the core’s error codes as CSTA errors, NOT_FOUND by what the request named', () => {
  const rows: [ErrorCode, Subject, string][] = [
    ['PARLEY_ERR_NOT_FOUND', 'device', 'operation/invalidDeviceID'],
    ['PARLEY_ERR_NOT_FOUND', 'call', 'operation/invalidCallID'],
    ['PARLEY_ERR_NOT_FOUND', 'connection', 'operation/invalidConnectionID'],
    ['PARLEY_ERR_INVALID_STATE', 'call', 'stateIncompatibility/invalidObjectState'],
    ['PARLEY_ERR_DEVICE_UNSUPPORTED', 'call', 'operation/requestIncompatibleWithObject'],
    ['PARLEY_ERR_DEVICE_UNREACHABLE', 'device', 'systemResourceAvailability/resourceOutOfService'],
    ['PARLEY_ERR_FORBIDDEN', 'device', 'operation/privilegeViolationSpecifiedDevice'],
    ['PARLEY_ERR_VALIDATION', 'device', 'operation/invalidDestination'],
    ['PARLEY_ERR_CONFLICT', 'call', 'stateIncompatibility/invalidObjectState'],
    ['PARLEY_ERR_UNAUTHENTICATED', 'device', 'operation/securityViolation'],
    ['PARLEY_ERR_TOO_MANY_REQUESTS', 'device', 'performanceManagement/performanceLimitExceeded'],
    ['PARLEY_ERR_NOT_READY', 'device', 'systemResourceAvailability/resourceBusy'],
    ['PARLEY_ERR_INTERNAL', 'device', 'operation/generic'],
  ];
  for (const [code, subject, expected] of rows) {
    const { error, internal } = toCstaError(new ParleyError(code, 'why'), subject);
    assert.equal(`${error.category}/${error.value}`, expected, code);
    assert.equal(error.reason, 'why');
    assert.equal(internal, false, code);
  }
});

test('a CstaFailure stays as it is; anything else is a generic error worth a log', () => {
  assert.deepEqual(toCstaError(cstaError('operation', 'invalidCrossRefID', 'no monitor 7'), 'device'), {
    error: { category: 'operation', value: 'invalidCrossRefID', reason: 'no monitor 7' },
    internal: false,
  });
  const bug = toCstaError(new TypeError('x is undefined'), 'call');
  assert.deepEqual([bug.error.category, bug.error.value, bug.internal], ['operation', 'generic', true]);
});
