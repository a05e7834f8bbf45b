import type { AppConfig } from '../config/app-config';
import { startEmbeddedPostgres } from './embedded-postgres';

export interface OpenDatabase {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL, started for this process. */
export async function openDatabase(
  config: AppConfig,
  log: (line: string) => void,
): Promise<OpenDatabase> {
  if (config.database.url !== undefined) {
    return { url: config.database.url, embedded: false, close: () => Promise.resolve() };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.database.embeddedDir,
    port: config.database.embeddedPort,
    database: 'billing',
    log,
  });
  log(
    `Embedded PostgreSQL running on 127.0.0.1:${config.database.embeddedPort} (data in ${config.database.embeddedDir})`,
  );
  return { url: embedded.url, embedded: true, close: () => embedded.stop() };
}
