/**
 * A GET load in a process of its own: the webhook benchmark's reads during the stream. Run in
 * the benchmark's own process, their latency would include that process's own delays (it signs
 * and sends the stream); here it is the service's alone. Takes its settings from the
 * environment (`READS_URL`, `READS_RATE`, `READS_SECONDS`, `READS_CONNECTIONS`, optionally
 * `READS_AUTHORIZATION`) and prints `{"result": …}` (an `HttpRun`) as its last line.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { measureGet } from './support/load';

function numberFrom(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
  const url = process.env.READS_URL;
  if (url === undefined) throw new Error('READS_URL is required');
  const authorization = process.env.READS_AUTHORIZATION;
  // On a busy machine this process waits for a core too: its own loop delay says how much of
  // the reads' latency is the probe's.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const run = await measureGet(url, {
    connections: numberFrom('READS_CONNECTIONS'),
    durationSeconds: numberFrom('READS_SECONDS'),
    ratePerSecond: numberFrom('READS_RATE'),
    headers: authorization === undefined ? undefined : { authorization },
  });
  delay.disable();
  const ms = (nanoseconds: number): number => Math.round(nanoseconds / 1e5) / 10;
  const result = {
    ...run,
    clientLoopDelayMs: {
      p50: ms(delay.percentile(50)),
      p99: ms(delay.percentile(99)),
      max: ms(delay.max),
    },
  };
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`reads probe failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
