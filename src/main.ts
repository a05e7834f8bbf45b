import 'dotenv/config';
import { loadConfig, type AppConfig } from './config/app-config';
import { ConfigError } from './config/env-reader';
import { StartupError, startService } from './boot';

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

  const shutdown = (signal: string): void => {
    log(`${signal} received: finishing in-flight requests`);
    const timer = setTimeout(() => {
      log('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(
    error instanceof StartupError
      ? error.message
      : `Start failed: ${(error as Error).stack ?? String(error)}`,
  );
  process.exit(1);
});
