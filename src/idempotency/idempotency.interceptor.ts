import { createHash } from 'node:crypto';
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { ApiHeaderOptions } from '@nestjs/swagger';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { Request, Response } from 'express';

/** The request as the auth guard leaves it: the account it acts for (errors know no auth). */
type AccountRequest = Request & { account?: { id: string } };
import { ApiError } from '../errors/api-error';
import type { Prisma } from '../generated/prisma/client';
import { IdempotencyRepository } from './idempotency.repository';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** A first request still "in progress" after this long died with its process: the key is free. */
const ABANDONED_AFTER_MS = 5 * 60 * 1000;

export const IDEMPOTENCY_HEADER_DOC: ApiHeaderOptions = {
  name: 'Idempotency-Key',
  required: false,
  description:
    'Any unique string (e.g. a UUID). The first response is replayed for 24 h to a retry with the same key ' +
    '(header Idempotent-Replayed: true); 409 while the first is still running; 422 for the same key with another body.',
};

/** Stable across key order, so `{a, b}` and `{b, a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : 1,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Client idempotency for POSTs that create Stripe sessions, stored in PostgreSQL so it holds
 * across instances: the first request with a key runs; a retry gets the stored response; a
 * concurrent duplicate gets 409; the same key with another body gets 422.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly records: IdempotencyRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AccountRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (key === undefined || request.account === undefined) return next.handle();
    return from(
      this.run(typeof key === 'string' ? key : '', request, response, request.account.id, next),
    );
  }

  private async run(
    key: string,
    request: AccountRequest,
    response: Response,
    accountId: string,
    next: CallHandler,
  ): Promise<unknown> {
    if (!KEY_FORMAT.test(key)) {
      throw new ApiError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 1–255 printable characters' },
      ]);
    }
    const path = request.baseUrl + request.path;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path} ${canonical(request.body)}`)
      .digest('hex');
    const now = new Date();
    await this.records.deleteExpired(accountId, key, now);
    await this.records.releaseAbandoned(
      accountId,
      key,
      new Date(now.getTime() - ABANDONED_AFTER_MS),
    );
    const claimed = await this.records.claim({
      accountId,
      key,
      method: request.method,
      path,
      requestHash,
      expiresAt: new Date(now.getTime() + REPLAY_WINDOW_MS),
    });
    if (!claimed) {
      const existing = await this.records.find(accountId, key);
      if (existing === null) throw new ApiError('IDEMPOTENCY_KEY_IN_PROGRESS');
      if (existing.requestHash !== requestHash) throw new ApiError('IDEMPOTENCY_KEY_REUSED');
      if (existing.status === 'IN_PROGRESS') throw new ApiError('IDEMPOTENCY_KEY_IN_PROGRESS');
      response.status(existing.responseStatus ?? 200);
      response.setHeader('Idempotent-Replayed', 'true');
      return existing.responseBody;
    }
    try {
      const body: unknown = await lastValueFrom(next.handle());
      await this.records.complete(
        accountId,
        key,
        response.statusCode,
        (body ?? null) as Prisma.InputJsonValue,
      );
      return body;
    } catch (error) {
      await this.records.release(accountId, key);
      throw error;
    }
  }
}
