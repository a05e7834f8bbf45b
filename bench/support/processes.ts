import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A Node.js child process the benchmark started, with its recent output kept for errors. */
export interface NodeChild {
  process: ChildProcess;
  pid: number;
  startedAt: number;
  /** The last lines it wrote (stdout and stderr), for diagnostics. */
  output(): string[];
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnNode(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; nodeArgs?: string[] },
): NodeChild {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 60) lines.shift();
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  let stopping: Promise<void> | undefined;
  return {
    process: child,
    pid: child.pid,
    startedAt,
    output: () => [...lines],
    exited,
    stop: (graceMs = 15_000) => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/**
 * Polls `url` until it answers 200; returns the milliseconds since the child was spawned.
 * Fails if the child exits first or `timeoutMs` passes.
 */
export async function waitForOk(child: NodeChild, url: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  while (performance.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`the process exited (${exitCode}):\n${child.output().join('\n')}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - child.startedAt;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs} ms:\n${child.output().join('\n')}`,
  );
}

/** Resident set size of a process in bytes, from /proc (Linux); null elsewhere. */
export function residentBytes(pid: number): number | null {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return null;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) * 1024 : null;
}

/** CPU time (user + system) a process has used, in seconds, from /proc (Linux); null elsewhere. */
export function cpuSeconds(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  // Fields after the parenthesised command name: utime is the 14th field, stime the 15th.
  const text = readFileSync(file, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy and total jiffies of the whole machine, from /proc/stat (Linux); null elsewhere. */
export function machineJiffies(): { busy: number; total: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - idle, total };
}

/** Samples a process's RSS every `everyMs` until stopped; reports the peak and the mean. */
export function sampleResidentMemory(
  pid: number,
  everyMs = 200,
): { stop(): { peakBytes: number; meanBytes: number; samples: number } } {
  const samples: number[] = [];
  const take = (): void => {
    const rss = residentBytes(pid);
    if (rss !== null) samples.push(rss);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return {
        peakBytes: Math.max(0, ...samples),
        meanBytes: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0,
        samples: samples.length,
      };
    },
  };
}
