import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The desk, built into dist/desk-ui, which the service serves at /desk (src/desk/desk.module.ts).
 * No @vitejs/plugin-react: its optional Babel peer conflicts with jest's Babel under npm's strict resolver, and
 * Vite 8 compiles JSX itself (tsconfig "jsx": "react-jsx"); only fast refresh in `vite dev` is lost.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/desk/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/desk-ui', import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be an inline script, which the desk's Content-Security-Policy refuses; every browser the
    // desk supports has modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
  },
  server: { proxy: { '^/(?!desk)': 'http://127.0.0.1:3000' } },
});
