import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { type Config, ConfigSchema, envAliases } from './schema.js';

export interface ConfigIssue {
  path: string;
  message: string;
}

/** Raised before anything starts when the configuration is not valid; lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `invalid configuration (${source}):\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export interface ConfigLeaf {
  path: string[];
  type: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  env: string;
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
export const envName = (path: string[]) => `PARLEY_${path.map(snake).join('_')}`;
/** The environment variable of a setting (`http.port` → `PARLEY_HTTP_PORT`), its alias where it has one. */
export const envOf = (setting: string) =>
  Object.entries(envAliases).find(([, p]) => p === setting)?.[0] ?? envName(setting.split('.'));

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  anyOf?: JsonSchema[];
};

/** Every leaf setting of the schema with its type, default, description and environment variable. */
export function configLeaves(): ConfigLeaf[] {
  const root = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out: ConfigLeaf[] = [];
  const walk = (node: JsonSchema, path: string[]) => {
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, [...path, key]);
      return;
    }
    out.push({
      path,
      type: node.type ?? node.anyOf?.map((a) => a.type).join('|') ?? 'string',
      enum: node.enum,
      default: node.default,
      description: node.description,
      env: envOf(path.join('.')),
    });
  };
  walk(root, []);
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function coerce(leaf: ConfigLeaf, raw: string): unknown {
  if (leaf.type === 'integer' || leaf.type === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? raw : n;
  }
  if (leaf.type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
  }
  // A list in one variable: comma-separated (`PARLEY_OUTBOUND_ALLOW=10.1.0.0/16,crm.corp`).
  if (leaf.type === 'array') return raw.split(',').flatMap((item) => item.trim() || []);
  return raw;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && prev && typeof prev === 'object'
        ? deepMerge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

/** Reads a YAML config file; syntax errors carry their line and column. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? err}` }]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  const value = doc.toJS({ maxAliasCount: 50 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(file, [{ path: '', message: 'must be a mapping of settings' }]);
  }
  return value as Record<string, unknown>;
}

export interface LoadOptions {
  /** Config file path; falls back to PARLEY_CONFIG. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Overrides by dotted path, from command-line flags. */
  overrides?: Record<string, unknown>;
}

/** Builds the effective configuration: defaults < file < environment < flags. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PARLEY_CONFIG;
  let input: Record<string, unknown> = file ? readConfigFile(file) : {};
  const fromEnv: Record<string, unknown> = {};
  // Where a setting that is not from the file came from, for error messages.
  const origin = new Map<string, { from: string; value: unknown }>();
  for (const leaf of configLeaves()) {
    const name = env[leaf.env] !== undefined ? leaf.env : envName(leaf.path);
    const raw = env[name];
    if (raw === undefined) continue;
    const value = coerce(leaf, raw);
    setPath(fromEnv, leaf.path, value);
    origin.set(leaf.path.join('.'), { from: name, value });
  }
  input = deepMerge(input, fromEnv);
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    setPath(input, path.split('.'), value);
    if (origin.get(path)?.value !== value) origin.set(path, { from: 'command line', value });
  }
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.flatMap((i) =>
      // One issue per unknown key, with the key in its path.
      i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ path: [...i.path, k], message: 'unknown key' })) : [i],
    );
    throw new ConfigError(
      file ?? 'environment and flags',
      issues.map((i) => {
        const path = i.path.join('.');
        const from = origin.get(path)?.from;
        return { path, message: from ? `${i.message} (from ${from})` : i.message };
      }),
    );
  }
  const config = result.data;
  config.dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir);
  return config;
}
