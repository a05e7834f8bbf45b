/**
 * `npm run fleet -- --instances 3 [--mode queued|inline] [--port 3000] [--workers 0]
 *  [--emulator-port 12111] [--data-dir DIR]` — a local fleet: one standalone emulator, N
 * instances on one PostgreSQL (DATABASE_URL) and a round-robin proxy in front, until Ctrl-C.
 */
import 'dotenv/config';
import { launchFleet, type FleetOptions } from './fleet-launcher';

const USAGE = `Usage: npm run fleet -- [--instances N] [--mode queued|inline] [--port P] [--workers W]
                        [--emulator-port P] [--data-dir DIR]
  --instances N      service instances (1-8, default 3), on ports P+1 … P+N
  --mode M           WEBHOOK_MODE of every instance (default: queued, inline for 1 instance)
  --port P           the round-robin proxy's port (default 3000): the fleet's address
  --workers W        extra \`npm run worker\` processes (queued mode, default 0)
  --emulator-port P  the standalone emulator's port (default 12111)
  --data-dir DIR     the emulator's state folder (default .data/fleet-emulator)
Needs DATABASE_URL (one PostgreSQL for the whole fleet). Other settings are read from the
environment (.env) by every instance, e.g. REDIS_URL for shared rate limits.`;

function parse(argv: string[]): FleetOptions | null {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return null;
    if (!arg.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected ${arg}`);
    values.set(arg.slice(2), argv[++i]);
  }
  for (const key of values.keys())
    if (!['instances', 'mode', 'port', 'workers', 'emulator-port', 'data-dir'].includes(key))
      throw new Error(`unknown option --${key}`);
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const raw = values.get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${key} must be an integer from ${min} to ${max}`);
    return value;
  };
  const instances = int('instances', 3, 1, 8);
  const mode = values.get('mode') ?? (instances > 1 ? 'queued' : 'inline');
  if (mode !== 'queued' && mode !== 'inline') throw new Error('--mode must be queued or inline');
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined || databaseUrl === '')
    throw new Error('DATABASE_URL is required: the fleet shares one PostgreSQL server');
  return {
    instances,
    mode,
    port: int('port', 3000, 1, 65_000),
    workers: int('workers', 0, 0, 16),
    emulatorPort: int('emulator-port', 12111, 1, 65_535),
    emulatorDataDir: values.get('data-dir') ?? '.data/fleet-emulator',
    databaseUrl,
  };
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
    return;
  }
  const fleet = await launchFleet({
    ...options,
    onLine: (name, line) => process.stdout.write(`[${name}] ${line}\n`),
  });
  process.stdout.write(
    `\nFleet up: ${fleet.url} (round robin over ${fleet.instances
      .map((member) => member.url)
      .join(', ')}), emulator ${fleet.emulatorUrl}, WEBHOOK_MODE=${options.mode}` +
      `${options.workers > 0 ? `, ${options.workers} worker process(es)` : ''}. Ctrl-C stops it.\n\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void fleet.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`fleet: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(1);
});
