#!/usr/bin/env node
// Builds the web app into dist/ unless it is already newer than every source it is built from.
// Runs after `npm install` (postinstall) and before `npm start`, so a fresh clone serves the real
// app; the build is local (no network). PARLEY_SKIP_WEB_BUILD=1 skips it (the server then serves
// the placeholder page in public/ until dist/ exists).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('..', import.meta.url));
const inputs = ['src', 'static', 'index.html', 'vite.config.ts', 'package.json', '../api/src'];
const output = join(web, 'dist', 'index.html');

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = s.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

if (process.env.PARLEY_SKIP_WEB_BUILD === '1') process.exit(0);
const built = existsSync(output) ? statSync(output).mtimeMs : 0;
const changed = Math.max(...inputs.map((p) => newest(join(web, p))));
if (built > changed && !process.argv.includes('--force')) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn(
    '@parley/web: vite is not installed; the server serves the placeholder page until `npm run build -w @parley/web`',
  );
  process.exit(0);
}
const started = Date.now();
await vite.build({ root: web, configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
console.log(`@parley/web: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
