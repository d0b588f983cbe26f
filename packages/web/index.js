import { fileURLToPath } from 'node:url';

/** Folder of the built web app that the server serves at `/`. */
export const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
