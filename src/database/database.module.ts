import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { SqlClient } from './sql-client';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: PrismaService, useFactory: () => new PrismaService(url, poolSize) },
        SqlClient,
      ],
      exports: [PrismaService, SqlClient],
    };
  }
}
