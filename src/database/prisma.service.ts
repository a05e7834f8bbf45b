import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

/**
 * The one Prisma client of the process; only repositories use it. Its `pg` pool is shared with
 * the plain-SQL hot paths (`SqlClient`), so the process holds one set of connections.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  readonly pool: Pool;

  constructor(url: string, poolSize: number) {
    // Pipelined connections: a statement is sent without waiting for the one before (answers
    // still come in order), so a transaction's BEGIN and COMMIT travel with its statements.
    const pool = new Pool({ connectionString: url, max: poolSize, pipeline: true });
    // An idle connection the server closed is dropped by the pool; it must not crash the process.
    pool.on('error', () => undefined);
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    this.pool = pool;
  }

  async onModuleDestroy(): Promise<void> {
    // The adapter ends the pool (disposeExternalPool).
    await this.$disconnect();
  }
}
