/** Folder of the built web app that the server serves at `/`. */
export declare const publicDir: string;
