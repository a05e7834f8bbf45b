import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_ADMIN_KEY, TEST_JWT_SECRET } from './tokens';

const ROOT = join(__dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output: string[];
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * The service as a real `node` process (`src/main.ts` from the TypeScript sources, no build
 * needed), with the suite's secrets, resolved once it logs that it listens.
 */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'ts-require-hook.cjs'), join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        JWT_SECRET: TEST_JWT_SECRET,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        THROTTLE_LIMIT: '100000',
        THROTTLE_WEBHOOK_LIMIT: '100000',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (match !== null) resolve(match[1]);
    });
    void exited.then(() =>
      reject(new Error(`the service exited before listening:\n${output.join('\n')}`)),
    );
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
