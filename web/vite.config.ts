import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The virtnet web UI: a static single-page app. virtnetd serves web/dist at / and the API under /v1 on the
// same origin. For development against a daemon (e.g. the memory runtime on 127.0.0.1:8471):
//   npx vite --config web/vite.config.ts        (VIRTNET_API overrides the proxy target)
const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.VIRTNET_API ?? 'http://127.0.0.1:8471';

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/v1': { target: api, changeOrigin: false },
    },
  },
  preview: {
    proxy: {
      '/v1': { target: api, changeOrigin: false },
    },
  },
});
