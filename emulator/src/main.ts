import { defaultCatalogFile, startEmulator } from './index';

/** `npm run emulator`: the emulator as a standalone program. */
async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT ?? 12111);
  const host = process.env.EMULATOR_HOST ?? '127.0.0.1';
  const seed = process.env.EMULATOR_SEED !== 'false';
  const emulator = await startEmulator({
    port,
    host,
    catalogFile: seed ? (process.env.EMULATOR_CATALOG ?? defaultCatalogFile()) : undefined,
    apiKey: process.env.EMULATOR_API_KEY || undefined,
    logger: (line) => console.log(line),
  });
  console.log(
    `Stripe emulator listening on ${emulator.url}${seed ? ' (sandbox catalog seeded)' : ''}`,
  );
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
