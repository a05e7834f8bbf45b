// Prisma CLI configuration. The app never reads this file: it builds its own connection from
// validated configuration. The URL here is only for `prisma migrate deploy` / `prisma studio`
// run by hand against a server.
import 'dotenv/config';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
