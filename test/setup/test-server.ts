/**
 * Where the test suite's databases live. With TEST_DATABASE_URL (CI: the machine's PostgreSQL)
 * that server; without it, an embedded PostgreSQL started for the run in a temporary folder,
 * so the suite needs nothing installed. The server URL and the migrated template's name are
 * handed to the test workers through the environment.
 */
export const ENV_ADMIN_URL = 'BILLING_TEST_ADMIN_URL';
export const ENV_TEMPLATE = 'BILLING_TEST_TEMPLATE';

/** A URL for another database on the same server. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
