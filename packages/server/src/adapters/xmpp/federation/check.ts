// Federation diagnostics (issue 15): `parley federation check DOMAIN` and the admin UI's button
// run the steps a server-to-server connection takes — DNS (SRV `_xmpps-server._tcp`,
// `_xmpp-server._tcp`, RFC 6120 §3.2 and XEP-0368, then A/AAAA), TCP, TLS (direct or STARTTLS),
// the certificate (RFC 6125), then, inside the running server, an authentication as our domain on
// a real s2s stream (SASL EXTERNAL, else XEP-0220 dialback) and an XEP-0199 ping — and say which
// failed and why. Without the server (the standalone CLI) it can only say which authentications
// are offered. Every connection goes through the outbound policy.

import type { LookupAddress } from 'node:dns';
import { type Socket, connect as tcpConnect } from 'node:net';
import { type PeerCertificate, type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { FederationCheckResult } from '@parley/api';
import { type OutboundPolicy, OutboundRefusedError } from '../../../platform/outbound.js';
import type { S2sProbe } from '../s2s/probe.js';
import { escapeAttr, x } from '../xml/element.js';
import { isStreamElement } from '../xml/parser.js';
import { probeSteps } from './probe-steps.js';
import {
  type CheckStep,
  failed,
  judgeCertificate,
  ok,
  type Srv,
  STEP_NAMES,
  type StepName,
  skippedAfter,
  type Target,
  targetsOf,
} from './steps.js';
import { StreamReader } from './stream-reader.js';

export interface CheckOptions {
  /** The one outbound policy, resolving names with the same DNS servers as `resolveSrv`. */
  outbound: Pick<OutboundPolicy, 'resolve'>;
  /** SRV lookup (node:dns `Resolver.resolveSrv`); ENOTFOUND/ENODATA mean "none published". */
  resolveSrv(name: string): Promise<Srv[]>;
  /** Authorities a certificate may chain to: the system's and `federation.caFile`. */
  ca: readonly string[];
  /** Our domain, sent as the stream's `from` (a tenant's, when the check is for one). */
  from?: string;
  /** The running server's s2s streams: authenticate as `from` and ping (absent or undefined: not running). */
  probe?: S2sProbe;
  /** Bound of each network wait (connect, handshake, an answer). */
  timeoutMs: number;
  now(): number;
}

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_DIALBACK = 'urn:xmpp:features:dialback';
const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';

const notFound = (err: unknown) => ['ENOTFOUND', 'ENODATA'].includes((err as { code?: string }).code ?? '');
const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Stops the steps: the one that failed, and what it said. */
class StepFailed extends Error {
  constructor(readonly outcome: CheckStep) {
    super(outcome.message);
  }
}

/**
 * Runs every step against `domain`; a failed step ends the run (the rest are `skipped`), except
 * that a bad certificate still lets the authentication step look (dialback may stand in for it).
 * @example const { ok, steps } = await checkFederation('partner.example', options);
 */
export async function checkFederation(domain: string, o: CheckOptions): Promise<FederationCheckResult> {
  const steps: CheckStep[] = [];
  const done = (s: CheckStep) => {
    steps.push(s);
    return s;
  };
  let socket: Socket | TLSSocket | undefined;
  try {
    const targets = await dnsStep(domain, o).then((r) => {
      done(r.step);
      return r.reachable;
    });
    const tcp = await tcpStep(targets, o);
    socket = tcp.socket;
    done(tcp.step);
    const tls = await tlsStep(domain, tcp.target, tcp.socket, o);
    socket = tls.socket;
    done(tls.step);
    done(judgeCertificate(tls.socket.getPeerCertificate() as PeerCertificate, chainError(tls.socket), domain, o.now()));
    const from = o.from;
    const probed = from ? o.probe?.(from, domain) : undefined;
    if (from && probed) {
      tls.socket.destroy();
      for (const s of probeSteps(await probed, from, domain)) done(s);
    } else {
      done(await authenticationStep(domain, tls.socket, o));
      done({
        step: 'ping',
        outcome: 'skipped',
        code: 'needs-server',
        message:
          'the authentication as one of our domains and the ping need the running server (dialback makes the remote server connect back to it): check from the admin UI, with `parley federation check DOMAIN --server URL` or POST /api/v1/admin/federation/check',
        detail: {},
      });
    }
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    done(err.outcome);
    for (const name of STEP_NAMES.slice(STEP_NAMES.indexOf(err.outcome.step) + 1))
      done(skippedAfter(name, err.outcome.step));
  } finally {
    socket?.destroy();
  }
  return { domain, ok: steps.every((s) => s.outcome !== 'failed'), steps };
}

const chainError = (s: TLSSocket): string | null =>
  s.authorized ? null : String((s.authorizationError as unknown as string | Error | undefined) ?? 'UNKNOWN');

interface Reachable {
  target: Target;
  addresses: LookupAddress[];
}

async function srv(name: string, o: CheckOptions): Promise<Srv[]> {
  try {
    return await o.resolveSrv(name);
  } catch (err) {
    if (notFound(err)) return [];
    throw new StepFailed(
      failed('dns', 'dns-error', `the DNS lookup of ${name} failed (${reason(err)})`, { name, reason: reason(err) }),
    );
  }
}

async function dnsStep(domain: string, o: CheckOptions): Promise<{ step: CheckStep; reachable: Reachable[] }> {
  const xmppsName = `_xmpps-server._tcp.${domain}`;
  const xmppName = `_xmpp-server._tcp.${domain}`;
  const [xmpps, xmpp] = await Promise.all([srv(xmppsName, o), srv(xmppName, o)]);
  const targets = targetsOf(domain, xmpps, xmpp);
  const fromSrv = xmpps.length + xmpp.length > 0;
  if (targets.length === 0)
    throw new StepFailed(
      failed(
        'dns',
        'srv-not-offered',
        `${domain} says in DNS that it offers no server-to-server XMPP (SRV target ".")`,
      ),
    );
  const reachable: Reachable[] = [];
  const problems: string[] = [];
  for (const target of targets) {
    try {
      reachable.push({ target, addresses: await o.outbound.resolve(target.host) });
    } catch (err) {
      if (err instanceof OutboundRefusedError) problems.push(err.message.replace(/^refused: /, ''));
      else if (!notFound(err)) problems.push(`the lookup of ${target.host} failed (${reason(err)})`);
    }
  }
  if (reachable.length === 0) {
    if (problems.length > 0)
      throw new StepFailed(failed('dns', 'outbound-refused', problems.join('; '), { reason: problems.join('; ') }));
    throw new StepFailed(
      fromSrv
        ? failed('dns', 'no-target-address', `the SRV records name ${hostsOf(targets)}, which have no address`, {
            hosts: hostsOf(targets),
          })
        : failed('dns', 'no-srv-no-address', `no SRV record for ${xmppName} and no address for ${domain}`, {
            name: xmppName,
            domain,
          }),
    );
  }
  const found = reachable.map((r) => `${r.target.host}:${r.target.port}${r.target.directTls ? ' (direct TLS)' : ''}`);
  return {
    reachable,
    step: fromSrv
      ? ok('dns', 'srv', `SRV records name ${found.join(', ')}`, { targets: found.join(', ') })
      : ok('dns', 'fallback', `no SRV record for ${xmppName}; using ${domain}:5269 as RFC 6120 allows`, {
          name: xmppName,
          domain,
        }),
  };
}

const hostsOf = (targets: Target[]) => [...new Set(targets.map((t) => t.host))].join(', ');

/** Resolves once `socket` emits `ready` (or fails with a sentence). */
function opened<S extends Socket>(socket: S, ready: string, ms: number, what: string): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`));
    }, ms);
    const onReady = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: NodeJS.ErrnoException) => {
      cleanup();
      socket.destroy();
      const said: Record<string, string> = {
        ECONNREFUSED: `${what} refused the connection`,
        ECONNRESET: `${what} closed the connection`,
        EHOSTUNREACH: `${what} is unreachable (no route to the host)`,
        ENETUNREACH: `${what} is unreachable (no route to its network)`,
      };
      reject(new Error(said[err.code ?? ''] ?? `${what}: ${err.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off(ready, onReady);
      socket.off('error', onError);
    };
    socket.once(ready, onReady);
    socket.once('error', onError);
  });
}

/** The most connections the TCP step tries (each bounded by `timeoutMs`): a bound on the whole check. */
const MAX_ATTEMPTS = 6;

async function tcpStep(reachable: Reachable[], o: CheckOptions) {
  const problems: string[] = [];
  const attempts = reachable.flatMap(({ target, addresses }) => addresses.map((a) => ({ target, a })));
  for (const { target, a } of attempts.slice(0, MAX_ATTEMPTS)) {
    const what = `port ${target.port} on ${a.address}`;
    try {
      const socket = await opened(
        tcpConnect({ host: a.address, port: target.port, family: a.family }),
        'connect',
        o.timeoutMs,
        what,
      );
      const via = target.host === a.address ? '' : ` (${target.host})`;
      return {
        target,
        socket,
        step: ok('tcp', 'connected', `connected to ${what}${via}`, { port: String(target.port), address: a.address }),
      };
    } catch (err) {
      problems.push(reason(err));
    }
  }
  throw new StepFailed(failed('tcp', 'connect-failed', problems.join('; '), { reason: problems.join('; ') }));
}

const streamHeader = (domain: string, from?: string) =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'${
    from ? ` from='${escapeAttr(from)}'` : ''
  } to='${escapeAttr(domain)}' version='1.0'>`;

/** Opens a stream on `socket` and reads its features; a failure names the step it belongs to. */
async function features(step: StepName, domain: string, socket: Socket, o: CheckOptions) {
  const reader = new StreamReader(socket);
  socket.write(streamHeader(domain, o.from));
  const fail = (code: string, message: string, detail: Record<string, string> = { reason: message }) => {
    reader.detach();
    return new StepFailed(failed(step, code, message, detail));
  };
  const open = await reader.next(o.timeoutMs);
  if (open.kind === 'error') throw fail('stream-failed', `the server did not open an XMPP stream: ${open.reason}`);
  if (open.kind !== 'open')
    throw fail('stream-failed', 'the server closed the connection instead of opening an XMPP stream');
  const next = await reader.next(o.timeoutMs);
  if (next.kind === 'error') throw fail('stream-failed', `no stream features from the server: ${next.reason}`);
  if (next.kind !== 'element') throw fail('stream-failed', 'the server closed the stream before its features');
  const el = next.element;
  if (isStreamElement(el, 'error')) {
    const condition = el.elements().find((c) => c.xmlns === NS_STREAMS)?.name ?? 'undefined-condition';
    const hint = condition === 'host-unknown' ? ` (it does not serve ${domain})` : '';
    throw fail('stream-error', `the server refused the stream: ${condition}${hint}`, { condition });
  }
  if (!isStreamElement(el, 'features'))
    throw fail('stream-failed', `the server sent <${el.name}/> instead of its features`);
  return { reader, features: el };
}

async function tlsStep(domain: string, target: Target, socket: Socket, o: CheckOptions) {
  const secure = () =>
    tlsConnect({
      socket,
      servername: domain,
      ca: [...o.ca],
      ALPNProtocols: target.directTls ? ['xmpp-server'] : undefined,
      rejectUnauthorized: false,
      // The certificate step judges the name; here only the chain is verified.
      checkServerIdentity: () => undefined,
    });
  const handshake = async (mode: string) => {
    try {
      const tls = await opened(secure(), 'secureConnect', o.timeoutMs, 'the TLS handshake');
      return {
        socket: tls,
        step: ok(
          'tls',
          mode,
          `${mode === 'direct-tls' ? 'direct TLS' : 'STARTTLS'} negotiated (${tls.getProtocol()})`,
          {
            protocol: tls.getProtocol() ?? '',
          },
        ),
      };
    } catch (err) {
      throw new StepFailed(
        failed('tls', 'handshake-failed', `the TLS handshake failed: ${reason(err)}`, { reason: reason(err) }),
      );
    }
  };
  if (target.directTls) return handshake('direct-tls');
  const { reader, features: f } = await features('tls', domain, socket, o);
  if (!f.child('starttls', NS_TLS)) {
    reader.detach();
    throw new StepFailed(
      failed('tls', 'no-starttls', 'the server did not offer TLS (no <starttls/> in its stream features)'),
    );
  }
  socket.write(x('starttls', { xmlns: NS_TLS }).toString());
  const answer = await reader.next(o.timeoutMs);
  reader.detach();
  if (answer.kind !== 'element' || answer.element.name !== 'proceed')
    throw new StepFailed(
      failed(
        'tls',
        'starttls-refused',
        answer.kind === 'error' ? `no answer to <starttls/>: ${answer.reason}` : 'the server refused STARTTLS',
      ),
    );
  return handshake('starttls');
}

async function authenticationStep(domain: string, socket: TLSSocket, o: CheckOptions): Promise<CheckStep> {
  const { reader, features: f } = await features('authentication', domain, socket, o);
  reader.detach();
  socket.write('</stream:stream>');
  const mechanisms = f
    .child('mechanisms', NS_SASL)
    ?.elements('mechanism')
    .map((m) => m.text().trim());
  const external = mechanisms?.includes('EXTERNAL') ?? false;
  const dialback = Boolean(f.child('dialback', NS_DIALBACK));
  const offered = [external && 'SASL EXTERNAL', dialback && 'dialback'].filter(Boolean).join(' and ');
  const detail = { external: String(external), dialback: String(dialback) };
  if (!offered)
    return failed(
      'authentication',
      'no-authentication',
      'the server offered neither SASL EXTERNAL nor dialback after TLS, so no server can authenticate with it',
      detail,
    );
  const note = external
    ? ''
    : ' (SASL EXTERNAL is offered only to a server that presents a certificate, which the check does not)';
  return ok('authentication', external ? 'external' : 'dialback', `the server offers ${offered}${note}`, detail);
}
