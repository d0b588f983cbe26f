/** Folder of the web app that the server serves at `/`: `dist/` once built, else a placeholder page. */
export declare const publicDir: string;
