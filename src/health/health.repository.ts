import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

@Injectable()
export class HealthRepository {
  constructor(private readonly prisma: PrismaService) {}

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  /** Every connection is checked out and queries are queuing for one. */
  poolSaturated(): boolean {
    const { pool } = this.prisma;
    return pool.waitingCount > 0 && pool.idleCount === 0;
  }
}
