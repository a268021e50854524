/**
 * The web build of the app (the renderer): `npm run build:web` writes dist/, which `npm run web`
 * serves and Electron loads. The CSP allows WebAssembly ('wasm-unsafe-eval', for PGlite) and nothing
 * remote; it is injected into the built page only (the dev server needs inline scripts). Both servers
 * send the cross-origin isolation headers Electron's app:// protocol sends.
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { CSP, ISOLATION_HEADERS } from './electron/security.ts';


function csp(): Plugin {
  return {
    name: 'pg-lab-csp',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${CSP}" />`),
  };
}

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), csp()],
  publicDir: false,
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  server: { fs: { allow: ['..'] }, headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: false, headers: ISOLATION_HEADERS },
});
