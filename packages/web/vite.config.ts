import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `npm run dev` sends API and WebSocket requests (a running `npm start`). */
const api = process.env.PARLEY_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // public/ holds the placeholder page the server shows before the first build; static files of
  // the app live in static/.
  publicDir: 'static',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: api, changeOrigin: true, ws: true },
      '/healthz': api,
    },
  },
});
