// Helpers for the SIP message table tests.
import assert from 'node:assert/strict';
import { SipParseError } from '../../src/adapters/sip/message/index.js';

/** Asserts that `parse` refuses each input with a SipParseError whose reason matches. */
export function assertRefusals<T>(parse: (input: T) => unknown, cases: [T, RegExp][]): void {
  for (const [input, reason] of cases) {
    assert.throws(
      () => parse(input),
      (e) => e instanceof SipParseError && reason.test(e.reason),
      `${String(input).slice(0, 40)} should be refused with ${reason}`,
    );
  }
}
