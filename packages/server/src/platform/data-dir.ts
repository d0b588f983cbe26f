import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Logger } from './log.js';

/** Group and other permission bits: none of them may be set on the server's private files. */
const SHARED_BITS = 0o077;
const posix = process.platform !== 'win32';

/**
 * Creates the data folder private to the server's user (0700) or tightens an existing one that
 * group or others could enter, logging what it changed: the database, the secrets key and the
 * attachments live there.
 */
export function privateDataDir(dir: string, log: Logger): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!posix) return;
  const mode = statSync(dir).mode & 0o777;
  if ((mode & SHARED_BITS) === 0) return;
  chmodSync(dir, 0o700);
  log.warn({ dataDir: dir, was: mode.toString(8), now: '700' }, 'data folder was open to other users; tightened');
}

/**
 * Creates `path` empty with mode 0600 unless it exists, and takes group and other bits off an
 * existing one; returns the old mode when it had to tighten it.
 */
export function privateFile(path: string): string | undefined {
  if (!existsSync(path)) {
    closeSync(openSync(path, 'a', 0o600));
    return undefined;
  }
  if (!posix) return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & SHARED_BITS) === 0) return undefined;
  chmodSync(path, mode & ~SHARED_BITS);
  return mode.toString(8);
}
