import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The layering rules of docs/architecture.md, checked on the source text: what the grep checks
 * of issue 12 look for, so a change that breaks a rule fails here rather than in a review.
 */
const src = fileURLToPath(new URL('../src/', import.meta.url));

function sources(folder: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.test.ts'))
        out.push({ path: relative(src, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(join(src, folder));
  return out;
}

/** Every `import … from 'X'` / `export … from 'X'` of a file: the module and the names it takes. */
function imports(text: string): { from: string; names: string[] }[] {
  const out: { from: string; names: string[] }[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?:type\s+)?([\s\S]*?)\s+from\s+'([^']+)'/gm)) {
    const names = [...(m[1] ?? '').matchAll(/(?:type\s+)?([A-Za-z_$][\w$]*)(?:\s+as\s+[\w$]+)?/g)]
      .map((n) => n[1] ?? '')
      .filter((n) => n !== 'type');
    out.push({ from: m[2] ?? '', names });
  }
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) out.push({ from: m[1] ?? '', names: ['*'] });
  return out;
}

/**
 * What the core may take from `@parley/api`: the vocabularies both sides share (roles, error
 * codes, availability names) and pure text helpers. DTOs, route modules and the client stay out.
 */
const sharedVocabulary = new Set([
  'Role',
  'roles',
  'ErrorCode',
  'errorMessages',
  'Availability',
  'PresenceFlag',
  'PresenceContext',
  'LineState',
  'CallEventType',
  'nameWords',
  'nameLabel',
  'withoutUnsafe',
  'unsafeCharacter',
  // What an address and a pickup group name are, and the bounds of call settings: what the REST
  // schema and the core both enforce.
  'Address',
  'noAnswerSeconds',
  'TARGET_MAX',
  'PickupGroup',
  // Federation trust levels and what a domain name is.
  'TrustLevel',
  'Domain',
]);

const core = [...sources('core'), ...sources('directory')];
const adapters = sources('adapters');

test('core and directory import no adapter, no fastify or ws, and only shared vocabulary from @parley/api', () => {
  const offences: string[] = [];
  for (const { path, text } of core) {
    for (const { from, names } of imports(text)) {
      if (/(^|\/)adapters\//.test(from) || /^(fastify|@fastify\/|ws$)/.test(from)) offences.push(`${path}: ${from}`);
      if (from.startsWith('@parley/api')) {
        if (from !== '@parley/api') offences.push(`${path}: ${from}`);
        for (const name of names) if (!sharedVocabulary.has(name)) offences.push(`${path}: ${name} from @parley/api`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

test('no adapter reads the store: adapters call core services', () => {
  const offences: string[] = [];
  for (const { path, text } of adapters) {
    for (const { from } of imports(text))
      if (/(^|\/)(platform\/store|core\/store)(\/|\.js$)/.test(from) || /\/repository\.js$/.test(from))
        offences.push(`${path}: imports ${from}`);
    for (const [line, content] of text.split('\n').entries())
      if (/\.store\b|\brepos\./.test(content)) offences.push(`${path}:${line + 1}: ${content.trim()}`);
  }
  assert.deepEqual(offences, []);
});

test('no source file in core/, directory/ or adapters/ is over 400 lines', () => {
  const long = [...core, ...adapters]
    .map(({ path, text }) => ({ path, lines: text.split('\n').length - 1 }))
    .filter(({ lines }) => lines > 400)
    .map(({ path, lines }) => `${path}: ${lines}`);
  assert.deepEqual(long, []);
});
