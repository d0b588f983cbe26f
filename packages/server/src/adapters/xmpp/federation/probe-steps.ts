// The federation check's authentication and ping steps from what a real s2s stream did (issue 15):
// each outcome in words an admin understands, with a code the web app words in their language.
import type { ProbeResult } from '../s2s/probe.js';
import type { AuthFailure } from '../s2s/stream-out.js';
import { type CheckStep, failed, ok, skippedAfter } from './steps.js';

const AUTH_FAILURES: Record<AuthFailure, (from: string, domain: string, reason: string) => string> = {
  'auth-blocked': (from, domain) => `${from} blocks ${domain} (its federation trust is "blocked")`,
  'auth-stream-failed': (_from, _domain, reason) => `the stream for the authentication failed: ${reason}`,
  'auth-timeout': (from, domain) =>
    `${domain} did not accept or refuse ${from} in time (with dialback it must connect back to ${from}: is ${from} reachable from there?)`,
  'dialback-refused': (from, domain) =>
    `${domain} refused our dialback key: it connected back to a server for ${from} that did not vouch for the key (another server answers for ${from}?)`,
  'dialback-error': (from, domain, reason) =>
    `${reason}; usually it could not connect back to ${from} to verify it — check that ${from}'s DNS (SRV or address) leads to this server and that its port 5269 is open to ${domain}`,
  'dialback-timeout': (from, domain) =>
    `${domain} never answered our dialback key: it must connect back to ${from} to verify it — check that ${from}'s DNS (SRV or address) leads to this server and that its port 5269 is open to ${domain}`,
  'no-authentication': (from, domain) =>
    `${domain} accepted neither our certificate for ${from} (SASL EXTERNAL) nor dialback`,
};

/**
 * The two steps of a probe as `from` (our domain) to `domain`: an authentication that failed
 * skips the ping; an answered ping (result or error) says the server is reachable.
 * @example probeSteps({ authentication: { how: 'dialback' }, ping: { answered: 'result', ms: 40 } }, 'example.test', 'partner.example')
 */
export function probeSteps(result: ProbeResult, from: string, domain: string): CheckStep[] {
  const auth = result.authentication;
  if (!('how' in auth)) {
    const message = AUTH_FAILURES[auth.code](from, domain, auth.reason);
    return [
      failed('authentication', auth.code, message, { from, domain, reason: auth.reason }),
      skippedAfter('ping', 'authentication'),
    ];
  }
  const how = auth.how === 'dialback' ? 'dialback' : 'external';
  const authenticated = ok(
    'authentication',
    `authenticated-${how}`,
    auth.how === 'dialback'
      ? `${domain} accepted ${from} by dialback (it connected back to this server to verify the key)`
      : `${domain} accepted our certificate for ${from} (SASL EXTERNAL)`,
    { from, domain },
  );
  const ping = result.ping;
  if (!ping || ping.answered === false) {
    const seconds = String(Math.round((ping?.ms ?? 0) / 1000));
    return [
      authenticated,
      failed(
        'ping',
        'ping-timeout',
        `${domain} did not answer our ping within ${seconds} s: it accepted the stream but its answers do not reach ${from} (can it connect to this server?)`,
        { from, domain, seconds },
      ),
    ];
  }
  const ms = String(ping.ms);
  return [
    authenticated,
    ping.answered === 'result'
      ? ok('ping', 'pong', `${domain} answered our ping in ${ms} ms`, { domain, ms })
      : ok('ping', 'ping-error-reply', `${domain} answered our ping with an error in ${ms} ms: it is reachable`, {
          domain,
          ms,
        }),
  ];
}
