import pino from 'pino';

export type Logger = pino.Logger;

export interface LogOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  /** Where JSON lines go; defaults to stdout. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logs (pino), pretty-printed when writing to a terminal. */
export function createLogger(options: LogOptions): Logger {
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY === true);
  const base: pino.LoggerOptions = {
    level: options.level,
    base: { pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'password', '*.password', 'token', '*.token'],
      censor: '[redacted]',
    },
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(base);
}
