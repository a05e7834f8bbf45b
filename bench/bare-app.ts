import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';

/** A response recorded from the service (`BARE_RESPONSE_FILE`): its headers and JSON body. */
interface RecordedResponse {
  headers: [string, string][];
  body: unknown;
}

const recorded: RecordedResponse | undefined =
  process.env.BARE_RESPONSE_FILE === undefined
    ? undefined
    : (JSON.parse(readFileSync(process.env.BARE_RESPONSE_FILE, 'utf8')) as RecordedResponse);

/**
 * The ceiling of the GET benchmarks: a NestJS app on the same platform (Express) with one
 * route returning a constant, and nothing else (no middleware, guards, logging or database).
 * With `BARE_RESPONSE_FILE`, `GET /replay` also sends a response recorded from the service
 * (the same headers, a fresh request id, the same body serialised by Nest): what the response
 * alone costs, before any of the service's pipeline. Started as a child process by the
 * benchmark; prints `{"port": n}` once listening.
 */
@Controller()
class ConstantController {
  @Get('constant')
  constant(): { ok: true } {
    return { ok: true };
  }

  @Get('replay')
  replay(@Res({ passthrough: true }) response: Response): unknown {
    if (recorded === undefined) {
      response.status(404);
      return { ok: false };
    }
    for (const [name, value] of recorded.headers) response.setHeader(name, value);
    response.setHeader('X-Request-Id', randomUUID());
    return recorded.body;
  }
}

@Module({ controllers: [ConstantController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: false });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
