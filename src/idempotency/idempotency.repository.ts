import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { IdempotencyRecord, Prisma } from '../generated/prisma/client';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Claims the key for this request; false when the account already used it. */
  async claim(row: {
    accountId: string;
    key: string;
    method: string;
    path: string;
    requestHash: string;
    expiresAt: Date;
  }): Promise<boolean> {
    const inserted = await this.prisma.$executeRaw`
      INSERT INTO "IdempotencyRecord" ("id", "accountId", "key", "method", "path", "requestHash", "status", "createdAt", "expiresAt")
      VALUES (gen_random_uuid(), ${row.accountId}::uuid, ${row.key}, ${row.method}, ${row.path}, ${row.requestHash},
              'IN_PROGRESS', now(), ${row.expiresAt})
      ON CONFLICT ("accountId", "key") DO NOTHING`;
    return inserted === 1;
  }

  find(accountId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.prisma.idempotencyRecord.findUnique({
      where: { accountId_key: { accountId, key } },
    });
  }

  async complete(
    accountId: string,
    key: string,
    responseStatus: number,
    responseBody: Prisma.InputJsonValue,
  ): Promise<void> {
    await this.prisma.idempotencyRecord.update({
      where: { accountId_key: { accountId, key } },
      data: { status: 'COMPLETED', responseStatus, responseBody },
    });
  }

  /** A failed first attempt frees the key, so the client's retry runs again. */
  async release(accountId: string, key: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({
      where: { accountId, key, status: 'IN_PROGRESS' },
    });
  }

  async releaseAbandoned(accountId: string, key: string, startedBefore: Date): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({
      where: { accountId, key, status: 'IN_PROGRESS', createdAt: { lt: startedBefore } },
    });
  }

  async deleteExpired(accountId: string, key: string, now: Date): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({
      where: { accountId, key, expiresAt: { lt: now } },
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    return (await this.prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: now } } }))
      .count;
  }
}
