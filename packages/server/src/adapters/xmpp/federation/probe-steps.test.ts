import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProbeResult } from '../s2s/probe.js';
import { probeSteps } from './probe-steps.js';

test('probe steps: how the authentication went decides the ping; each outcome has a code and says why', () => {
  const cases: [string, ProbeResult, string[], RegExp][] = [
    [
      'SASL EXTERNAL, ping answered',
      { authentication: { how: 'SASL EXTERNAL' }, ping: { answered: 'result', ms: 12 } },
      ['ok authenticated-external', 'ok pong'],
      /accepted our certificate for ours\.test/,
    ],
    [
      'dialback, ping answered with an error (still reachable)',
      { authentication: { how: 'dialback' }, ping: { answered: 'error', ms: 30 } },
      ['ok authenticated-dialback', 'ok ping-error-reply'],
      /connected back to this server/,
    ],
    [
      'authenticated, but no answer to the ping',
      { authentication: { how: 'dialback' }, ping: { answered: false, ms: 5000 } },
      ['ok authenticated-dialback', 'failed ping-timeout'],
      /accepted ours\.test by dialback/,
    ],
    [
      'dialback key refused',
      { authentication: { code: 'dialback-refused', reason: 'invalid' } },
      ['failed dialback-refused', 'skipped after-failure'],
      /refused our dialback key/,
    ],
    [
      'dialback key never verified',
      { authentication: { code: 'dialback-timeout', reason: 'no authenticated stream in time' } },
      ['failed dialback-timeout', 'skipped after-failure'],
      /must connect back to ours\.test/,
    ],
    [
      'dialback error from the peer',
      {
        authentication: {
          code: 'dialback-error',
          reason: 'theirs.test could not verify our dialback key (remote-server-not-found)',
        },
      },
      ['failed dialback-error', 'skipped after-failure'],
      /remote-server-not-found\); usually it could not connect back to ours\.test/,
    ],
    [
      'neither way offered',
      { authentication: { code: 'no-authentication', reason: 'x' } },
      ['failed no-authentication', 'skipped after-failure'],
      /neither our certificate for ours\.test/,
    ],
    [
      'blocked by our tenant',
      { authentication: { code: 'auth-blocked', reason: 'x' } },
      ['failed auth-blocked', 'skipped after-failure'],
      /ours\.test blocks theirs\.test/,
    ],
    [
      'no answer before the negotiation bound',
      { authentication: { code: 'auth-timeout', reason: 'x' } },
      ['failed auth-timeout', 'skipped after-failure'],
      /did not accept or refuse ours\.test in time/,
    ],
    [
      'the stream broke',
      { authentication: { code: 'auth-stream-failed', reason: 'theirs.test closed the connection' } },
      ['failed auth-stream-failed', 'skipped after-failure'],
      /failed: theirs\.test closed the connection/,
    ],
  ];
  for (const [name, result, expected, message] of cases) {
    const steps = probeSteps(result, 'ours.test', 'theirs.test');
    assert.deepEqual(
      steps.map((s) => `${s.outcome} ${s.code}`),
      expected,
      name,
    );
    assert.deepEqual(
      steps.map((s) => s.step),
      ['authentication', 'ping'],
      name,
    );
    assert.match(steps[0]?.message ?? '', message, name);
  }
});

test('probe steps: the ping timeout says its bound in seconds', () => {
  const [, ping] = probeSteps(
    { authentication: { how: 'SASL EXTERNAL' }, ping: { answered: false, ms: 5000 } },
    'ours.test',
    'theirs.test',
  );
  assert.equal(ping?.detail.seconds, '5');
  assert.match(ping?.message ?? '', /within 5 s/);
});
