import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PrismaService } from './prisma.service';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: PrismaService, useFactory: () => new PrismaService(url, poolSize) }],
      exports: [PrismaService],
    };
  }
}
