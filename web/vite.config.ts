import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * `npm run web:dev`: hot reload on http://localhost:5173, with `/api` forwarded to a running
 * service (BILLING_API_URL, default http://localhost:3000). `npm run build:web` builds into
 * web/dist, which the service serves at `/` in sandbox mode.
 */
export default defineConfig({
  plugins: [react()],
  resolve: {
    // The demo uses the client package from its sources, so it never waits for a client build.
    alias: {
      '@billing-service/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)),
    },
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(
      ['/api', '/docs', '/docs-json'].map((path) => [
        path,
        process.env.BILLING_API_URL ?? 'http://localhost:3000',
      ]),
    ),
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
