// The server-wide caps of the directory sources' own limits (`directory.limits.*`): a tenant
// administrator sets a source's time and size limits, a system administrator caps them for all.
import { invalid } from '../core/errors.js';
import { DEFAULT_MAX_BYTES } from './file/common.js';
import { DEFAULT_MAX_BYTES as DEFAULT_HTTP_MAX_BYTES } from './http/config.js';
import type { SourceKind } from './model.js';
import { DEFAULT_TIMEOUT_MS } from './source.js';

/** `directory.limits` of the configuration. */
export interface DirectoryLimits {
  maxTimeoutSeconds: number;
  maxResponseBytes: number;
  maxFileBytes: number;
  maxContacts: number;
}

/** A capped setting of a source: its field, its default in the connector, the cap and its setting's name. */
interface Capped {
  field: 'timeoutMs' | 'maxBytes';
  fallback: number;
  cap: (l: DirectoryLimits) => number;
  setting: keyof DirectoryLimits;
}

const timeout: Capped = {
  field: 'timeoutMs',
  fallback: DEFAULT_TIMEOUT_MS,
  cap: (l) => l.maxTimeoutSeconds * 1000,
  setting: 'maxTimeoutSeconds',
};

const CAPPED: Record<SourceKind, Capped[]> = {
  sql: [timeout],
  ldap: [timeout],
  http: [
    timeout,
    {
      field: 'maxBytes',
      fallback: DEFAULT_HTTP_MAX_BYTES,
      cap: (l) => l.maxResponseBytes,
      setting: 'maxResponseBytes',
    },
  ],
  file: [{ field: 'maxBytes', fallback: DEFAULT_MAX_BYTES, cap: (l) => l.maxFileBytes, setting: 'maxFileBytes' }],
};

/** Refuses settings above a cap (PARLEY_ERR_VALIDATION naming the field and the cap). */
export function checkLimits(kind: SourceKind, config: Record<string, unknown>, limits: DirectoryLimits): void {
  for (const c of CAPPED[kind]) {
    const value = config[c.field];
    if (typeof value === 'number' && value > c.cap(limits)) {
      throw invalid(`config.${c.field}`, `at most ${c.cap(limits)} (directory.limits.${c.setting} of the server)`);
    }
  }
}

/**
 * The settings a connector runs with: every capped limit at most its cap, also one stored before
 * the cap was lowered (or left at a default above it).
 */
export function clampLimits(
  kind: SourceKind,
  config: Record<string, unknown>,
  limits: DirectoryLimits,
): Record<string, unknown> {
  const out = { ...config };
  for (const c of CAPPED[kind]) {
    const value = typeof config[c.field] === 'number' ? (config[c.field] as number) : c.fallback;
    out[c.field] = Math.min(value, c.cap(limits));
  }
  return out;
}
