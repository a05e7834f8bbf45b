import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../common/package-root';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy';

export interface FleetOptions {
  instances: number;
  mode: 'inline' | 'queued';
  /** The balancer's port; instances listen on the next ones (port + 1 … port + N). */
  port: number;
  emulatorPort: number;
  /** Extra `npm run worker` processes (queued mode). */
  workers: number;
  databaseUrl: string;
  /** The emulator's state folder (unset: in memory). */
  emulatorDataDir?: string;
  /** Extra emulator arguments (realism: `--latency`, `--rate-limit`, …). */
  emulatorArgs?: string[];
  /** Settings for every instance and worker, over the fleet's own. */
  env?: Record<string, string>;
  /** Each line a process prints, with its name. */
  onLine?: (name: string, line: string) => void;
}

export interface FleetMember {
  name: string;
  child: ChildProcess;
  url?: string;
}

export interface RunningFleet {
  url: string;
  emulatorUrl: string;
  proxy: RoundRobinProxy;
  emulator: FleetMember;
  instances: FleetMember[];
  workers: FleetMember[];
  stop(): Promise<void>;
}

/**
 * Starts a fleet from the build (`dist/`): one standalone emulator, N instances on one
 * PostgreSQL database, optional worker processes, and a round-robin proxy in front. Stripe
 * knows one webhook endpoint, the proxy's, as it would know a load balancer's.
 */
export async function launchFleet(options: FleetOptions): Promise<RunningFleet> {
  const root = packageRoot();
  const members: FleetMember[] = [];
  const start = (
    name: string,
    script: string,
    args: string[],
    env: Record<string, string>,
    ready: RegExp,
  ): Promise<FleetMember> => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=256', join(root, 'dist', script), ...args],
      {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: Ctrl-C reaches the launcher alone, which stops each in turn.
        detached: true,
      },
    );
    const member: FleetMember = { name, child };
    members.push(member);
    return new Promise((resolve, reject) => {
      const onLine = (line: string): void => {
        options.onLine?.(name, line);
        const match = ready.exec(line);
        if (match !== null) {
          member.url = match[1];
          resolve(member);
        }
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      child.once('exit', (code) => reject(new Error(`${name} exited (${String(code)})`)));
    });
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      [...members].reverse().map(
        (member) =>
          new Promise<void>((resolve) => {
            if (member.child.exitCode !== null || member.child.signalCode !== null) {
              resolve();
              return;
            }
            member.child.once('exit', () => resolve());
            member.child.kill('SIGTERM');
          }),
      ),
    );
  };

  let proxy: RoundRobinProxy | undefined;
  try {
    const emulator = await start(
      'emulator',
      'emulator/src/main.js',
      [
        '--port',
        String(options.emulatorPort),
        ...(options.emulatorDataDir === undefined ? [] : ['--data-dir', options.emulatorDataDir]),
        ...(options.emulatorArgs ?? []),
      ],
      {},
      /listening on (http:\/\/\S+)/,
    );
    const emulatorUrl = emulator.url as string;
    const proxyUrl = `http://127.0.0.1:${options.port}`;
    const shared: Record<string, string> = {
      DATABASE_URL: options.databaseUrl,
      STRIPE_API_BASE: emulatorUrl,
      WEBHOOK_MODE: options.mode,
      SANDBOX_WEBHOOK_URL: `${proxyUrl}/api/webhooks/stripe`,
      TRUST_PROXY: '1',
      HOST: '127.0.0.1',
      ...options.env,
    };
    // The first instance alone migrates the database and seeds the catalog; then the rest.
    const instances: FleetMember[] = [];
    const instance = (i: number): Promise<FleetMember> =>
      start(
        `instance-${i + 1}`,
        'src/main.js',
        [],
        { ...shared, PORT: String(options.port + 1 + i) },
        /listening on (http:\/\/[^\s"]+)/,
      );
    instances.push(await instance(0));
    instances.push(
      ...(await Promise.all(
        Array.from({ length: options.instances - 1 }, (_, i) => instance(i + 1)),
      )),
    );
    const workers = await Promise.all(
      Array.from({ length: options.workers }, (_, i) =>
        start(`worker-${i + 1}`, 'src/cli/worker.js', [], shared, /(Worker ready)/),
      ),
    );
    proxy = await startRoundRobinProxy(
      instances.map((member) => member.url as string),
      options.port,
    );
    const running = proxy;
    return {
      url: running.url,
      emulatorUrl,
      proxy: running,
      emulator,
      instances,
      workers,
      stop: async () => {
        await running.close();
        await stopAll();
      },
    };
  } catch (error) {
    await proxy?.close();
    await stopAll();
    throw error;
  }
}
