// Vite builds the renderer (renderer/ → dist/renderer). This file runs in Node, so it lives outside
// renderer/, whose code must never import Node.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NONCE_PLACEHOLDER } from './electron/api/renderer-page';

const here = path.dirname(fileURLToPath(import.meta.url));

// base './': the same build loads from app://prodlike in Electron and from http://127.0.0.1 in browser mode.
// html.cspNonce: Vite marks its tags and writes <meta property="csp-nonce">; each page load replaces the
// placeholder with a fresh nonce (see electron/api/renderer-page.ts).
export default defineConfig({
  root: path.join(here, 'renderer'),
  base: './',
  plugins: [react()],
  html: { cspNonce: NONCE_PLACEHOLDER },
  build: {
    outDir: path.join(here, 'dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    // No inline scripts or module-preload polyfill: the CSP allows only 'self' scripts.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
