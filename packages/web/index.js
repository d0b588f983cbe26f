import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('./dist/', import.meta.url));
const placeholder = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Folder of the web app that the server serves at `/`: the production build (`dist/`, made by
 * `npm run build -w @parley/web`, also after `npm install` and before `npm start`) when it exists,
 * else a placeholder page.
 */
export const publicDir = existsSync(`${dist}index.html`) ? dist : placeholder;
