import type { Command } from 'commander';
import { createServer, version } from '../create-server.js';
import { createLogger } from '../platform/log.js';
import { type Cli, CliError, type CommonFlags, withCommon } from './kit.js';

/** How long a stopped server may take to end by itself before it is ended. */
const EXIT_GRACE_MS = 5000;

type ServeFlags = CommonFlags & {
  httpHost?: string;
  httpPort?: string;
  sipPort?: string;
  sipTlsPort?: string;
  /** false with --no-sip. */
  sip?: boolean;
  cstaPort?: string;
  /** false with --no-csta. */
  csta?: boolean;
  xmppPort?: string;
  xmppsPort?: string;
  xmppS2sPort?: string;
  xmppComponentPort?: string;
  /** false with --no-xmpp. */
  xmpp?: boolean;
  ldapPort?: string;
  ldapsPort?: string;
  logLevel?: string;
};

/** A port flag's value as a number, or a CLI error naming the flag. */
function portFlag(name: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new CliError(`--${name} "${value}": must be a port number`);
  return Number(value);
}

/** Runs the server until SIGTERM or SIGINT; a second signal exits at once. */
async function serve(cli: Cli, flags: ServeFlags) {
  const overrides: Record<string, unknown> = {};
  if (flags.httpHost !== undefined) overrides['http.host'] = flags.httpHost;
  if (flags.httpPort !== undefined) overrides['http.port'] = portFlag('http-port', flags.httpPort);
  if (flags.sipPort !== undefined) overrides['sip.port'] = portFlag('sip-port', flags.sipPort);
  if (flags.sipTlsPort !== undefined) overrides['sip.tls.port'] = portFlag('sip-tls-port', flags.sipTlsPort);
  if (flags.sip === false) overrides['sip.enabled'] = false;
  if (flags.cstaPort !== undefined) overrides['csta.port'] = portFlag('csta-port', flags.cstaPort);
  if (flags.csta === false) overrides['csta.enabled'] = false;
  if (flags.xmppPort !== undefined) overrides['xmpp.c2s.port'] = portFlag('xmpp-port', flags.xmppPort);
  if (flags.xmppsPort !== undefined) overrides['xmpp.c2sTls.port'] = portFlag('xmpps-port', flags.xmppsPort);
  if (flags.xmppS2sPort !== undefined) overrides['xmpp.s2s.port'] = portFlag('xmpp-s2s-port', flags.xmppS2sPort);
  if (flags.xmppComponentPort !== undefined) {
    overrides['xmpp.component.port'] = portFlag('xmpp-component-port', flags.xmppComponentPort);
  }
  if (flags.xmpp === false) overrides['xmpp.enabled'] = false;
  if (flags.ldapPort !== undefined) overrides['ldap.port'] = portFlag('ldap-port', flags.ldapPort);
  if (flags.ldapsPort !== undefined) overrides['ldap.tls.port'] = portFlag('ldaps-port', flags.ldapsPort);
  if (flags.logLevel !== undefined) overrides['log.level'] = flags.logLevel;
  const config = cli.config(flags, overrides);
  const log = createLogger(config.log);
  log.info(
    { version, dataDir: config.dataDir, database: config.database.url ? 'configured' : 'sqlite (data folder)' },
    'Parley starting',
  );
  const server = await createServer({ config, log });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'signal received');
    // The process ends by running out of work, so the log lines still being written (pino writes
    // stdout asynchronously, and its flush() does not wait for them) reach it; a handle something
    // left open cannot hold the exit longer than EXIT_GRACE_MS.
    const exit = (code: number) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
    };
    server.stop().then(
      () => exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await server.start();
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
}

/** `parley serve`: the server as a process (it owns the process's signals and exit). */
export function serveCommands(program: Command, cli: Cli): void {
  withCommon(program.command('serve').description('Run the server'))
    .option('--http-host <address>', 'HTTP bind address')
    .option('--http-port <port>', 'HTTP port (0 picks a free one)')
    .option('--sip-port <port>', 'SIP port for UDP and TCP (0 picks a free one)')
    .option('--sip-tls-port <port>', 'SIP over TLS port (0 picks a free one)')
    .option('--no-sip', 'serve no SIP (UDP, TCP, TLS or WebSocket)')
    .option('--csta-port <port>', 'CSTA XML port for CTI applications (0 picks a free one)')
    .option('--no-csta', 'serve no CSTA')
    .option('--xmpp-port <port>', 'XMPP client port with STARTTLS (0 picks a free one)')
    .option('--xmpps-port <port>', 'XMPP client port with direct TLS (0 picks a free one)')
    .option('--xmpp-s2s-port <port>', 'XMPP server-to-server port (0 picks a free one)')
    .option('--xmpp-component-port <port>', 'XMPP external component port, XEP-0114 (0 picks a free one)')
    .option('--no-xmpp', 'serve no XMPP (TCP, TLS, WebSocket or BOSH)')
    .option('--ldap-port <port>', 'LDAP phone book port for desk phones (off unless set; 0 picks a free one)')
    .option('--ldaps-port <port>', 'LDAP phone book port with direct TLS (off unless set; 0 picks a free one)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent')
    .action((flags: ServeFlags) => serve(cli, flags));
}
