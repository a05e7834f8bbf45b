import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DatabaseOutageLog } from '../errors/database-failures';
import { PrismaService, type PoolSettings } from './prisma.service';
import { SqlClient } from './sql-client';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, pool: PoolSettings): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        DatabaseOutageLog,
        {
          provide: PrismaService,
          inject: [DatabaseOutageLog],
          useFactory: (outages: DatabaseOutageLog) => new PrismaService(url, pool, outages),
        },
        SqlClient,
      ],
      exports: [PrismaService, SqlClient, DatabaseOutageLog],
    };
  }
}
