import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { AccountsService } from './accounts/accounts.service';
import type { RequestAuthenticator } from './auth/request-authenticator';
import type { AccountRef } from './auth/request-context';
import type { HotRead } from './common/hot-read';
import { requestTargetProblem } from './errors/input-guards';

type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** What a hot read shares with the API's pipeline, so that both answer alike. */
export interface SharedPipeline {
  /** The rate limit's refusal, or undefined; decided once per request (the route reuses it). */
  refusal(req: IncomingMessage): Promise<unknown>;
  /** The request log's middleware: run first, so that its time covers the whole request. */
  logging: Middleware;
  /** The middlewares that set what every answer carries: security headers, CORS. */
  decorations: Middleware[];
  /** Express's ETag of a body (undefined when ETags are off). */
  etag(body: string): string | undefined;
}

interface Found {
  read: HotRead<AccountRef>;
  param?: string;
}

const logger = new Logger('HotReads');

function run(middleware: Middleware, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => {
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error('a middleware failed'));
    });
  });
}

/**
 * The hot reads served at the server's front door: the requests a read route answers the most
 * (the pricing page, entitlement checks), answered without Express's router and Nest's
 * per-request pipeline, with the same checks, headers and body. A request is served here only
 * when every step would pass in the pipeline exactly as here: a GET of the exact path, no query,
 * no body, not conditional, a sane target, credentials the route accepts, the rate limit not
 * reached, an input the route accepts. Otherwise — or if anything throws — nothing has been
 * written, and the request goes on to Express, where its route answers it (an error included);
 * the rate limit's decision and the credentials' verification, made once, are reused there.
 */
export class HotReads {
  private readonly exact = new Map<string, HotRead<AccountRef>>();
  private readonly parameterised: { prefix: string; read: HotRead<AccountRef> }[] = [];

  constructor(
    apiPrefix: string,
    reads: HotRead<AccountRef>[],
    private readonly authenticator: RequestAuthenticator,
    private readonly accounts: AccountsService,
    private readonly pipeline: SharedPipeline,
  ) {
    for (const read of reads) {
      const path = `/${apiPrefix}/${read.path}`;
      const slash = path.lastIndexOf('/');
      if (path[slash + 1] === ':')
        this.parameterised.push({ prefix: path.slice(0, slash + 1), read });
      else this.exact.set(path, read);
    }
  }

  /** The hot read a request is for: a plain GET of its path, or undefined. */
  find(req: IncomingMessage): Found | undefined {
    if (req.method !== 'GET') return undefined;
    const headers = req.headers;
    if (
      headers['transfer-encoding'] !== undefined ||
      (headers['content-length'] !== undefined && headers['content-length'] !== '0') ||
      headers['if-none-match'] !== undefined ||
      headers['if-modified-since'] !== undefined
    )
      return undefined;
    const url = req.url ?? '';
    const read = this.exact.get(url);
    if (read !== undefined) return { read };
    for (const route of this.parameterised) {
      if (!url.startsWith(route.prefix)) continue;
      const param = url.slice(route.prefix.length);
      // Anything a router would decode or split (or a query) is the route's.
      if (param.length > 0 && !/[/?%#]/.test(param)) return { read: route.read, param };
    }
    return undefined;
  }

  /** Answers the request; false when it must go on to its route (nothing has been written). */
  async serve(req: IncomingMessage, res: ServerResponse, found: Found): Promise<boolean> {
    try {
      return await this.answer(req, res, found);
    } catch (error) {
      logger.debug({ err: error }, 'hot read left to its route');
      return false;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse, found: Found): Promise<boolean> {
    if (requestTargetProblem(req.url ?? '') !== undefined) return false;
    await run(this.pipeline.logging, req, res);
    const authentication = await this.authenticator.authenticate(req);
    const bearer = req.headers.authorization !== undefined;
    if (found.read.access === 'account' && (!bearer || authentication.serviceKey !== undefined))
      return false;
    const verdict = authentication.token;
    if (bearer && verdict?.ok !== true) return false;
    // The pipeline's order: the rate limit, then the account, then the route.
    if ((await this.pipeline.refusal(req)) !== undefined) return false;
    const account =
      verdict?.ok === true ? await this.accounts.resolve(verdict.principal) : undefined;
    const body = await found.read.answer({ param: found.param, account });
    if (body === undefined) return false;
    const text = JSON.stringify(body);
    res.statusCode = 200;
    for (const decorate of this.pipeline.decorations) await run(decorate, req, res);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    const tag = this.pipeline.etag(text);
    if (tag !== undefined) res.setHeader('ETag', tag);
    res.end(text);
    return true;
  }
}
