import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..');

export interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Every line the process printed so far. */
  output: string[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** SIGTERM and wait. */
  stop(): Promise<number | string>;
  /** SIGKILL and wait: nothing of the process gets to run. */
  kill(): Promise<number | string>;
}

/**
 * `npm run emulator -- …` as a real `node` process, run from the TypeScript sources (no build
 * needed), resolved once it prints its URL.
 */
export async function startEmulatorProcess(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(ROOT, 'scripts', 'ts-require-hook.cjs'),
      join(ROOT, 'emulator', 'src', 'main.ts'),
      ...args,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match !== null) resolve(match[1]);
    });
    void exited.then((code) =>
      reject(new Error(`the emulator exited (${code}) before listening:\n${output.join('\n')}`)),
    );
  });
  const signal = async (name: NodeJS.Signals): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output,
    exited,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}
