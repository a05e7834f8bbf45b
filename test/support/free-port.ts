import { createServer } from 'node:net';

/**
 * A port the OS has just handed out and released, for a server whose own URL must be known before
 * it starts (the sandbox demo's FRONTEND_URL is its own address).
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
