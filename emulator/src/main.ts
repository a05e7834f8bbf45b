import { defaultCatalogFile, startEmulator } from './index';
import { REALISM_OFF, describeRealism } from './http/realism';
import { OptionError, parseServiceOptions, usage } from './service-options';

/** `npm run emulator -- [options]`: the emulator as a standalone service (`--help`). */
async function main(): Promise<void> {
  const options = parseServiceOptions(process.argv.slice(2), process.env, defaultCatalogFile());
  if (options.help) {
    console.log(usage());
    return;
  }
  const emulator = await startEmulator({
    ...options.emulator,
    logger: (line) => console.log(line),
  });
  const state =
    options.emulator.dataDir === undefined
      ? 'state in memory'
      : `state in ${options.emulator.dataDir}${emulator.restored ? ' (restored)' : ''}`;
  const seeded = options.seed && !emulator.restored ? ', sandbox catalog seeded' : '';
  const pages = emulator.publicUrl === emulator.url ? '' : `, pages at ${emulator.publicUrl}`;
  console.log(`Stripe emulator listening on ${emulator.url} (${state}${seeded}${pages})`);
  console.log(`Realism: ${describeRealism({ ...REALISM_OFF, ...options.emulator.realism })}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof OptionError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
