import 'dotenv/config';
import { loadConfig, type AppConfig } from './config/app-config';
import { ConfigError } from './config/env-reader';
import { StartupError, startService } from './boot';

/** After draining, closing the pool, emulator and database gets this long before a hard exit. */
const HARD_DEADLINE_MARGIN_MS = 10_000;

const log = (line: string): void => {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: line })}\n`);
};

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line naming the variable: the operator fixes it and starts again.
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  const started = Date.now();
  const service = await startService(config, { log });
  log(
    `Billing service (${config.mode} mode) listening on ${service.url} in ${Date.now() - started} ms — API ${service.url}/api, docs ${service.url}/docs`,
  );
  if (config.mode === 'sandbox') {
    // The demo's origin must be the one checkout returns to (its sign-in lives in that origin).
    process.stdout.write(
      `\n  Open ${service.config.frontendUrl}/ to try it: the demo frontend.\n\n`,
    );
  }

  // The one shutdown path (no Nest shutdown hooks): readiness 503 at once, stop accepting,
  // let requests in flight finish within SHUTDOWN_TIMEOUT_MS, close the pool, the emulator and
  // the embedded database, exit 0. A second signal, or closing that hangs, exits at once with 1.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      log(`${signal} received again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log(
      `${signal} received: finishing in-flight requests (at most ${config.shutdownTimeoutMs} ms)`,
    );
    const deadline = setTimeout(() => {
      log('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + HARD_DEADLINE_MARGIN_MS);
    deadline.unref();
    service.close().then(
      ({ cutRequests }) => {
        log(
          cutRequests === 0
            ? 'shutdown complete'
            : `shutdown complete; ${cutRequests} request(s) still running after SHUTDOWN_TIMEOUT_MS were cut`,
        );
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    error instanceof StartupError
      ? error.message
      : `Start failed: ${(error as Error).stack ?? String(error)}`,
  );
  process.exit(1);
});
