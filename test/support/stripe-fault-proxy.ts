import { createServer, request, type Server } from 'node:http';

/**
 * An HTTP proxy between the service and the emulator that behaves as a hostile Stripe: it can
 * answer a share of requests with Stripe's 429 `rate_limit` error (nothing happens at Stripe),
 * or be cut off entirely. It counts what it forwarded and what it refused.
 */
export class StripeFaultProxy {
  private server?: Server;
  rateLimitShare = 0;
  /** The next this many requests are answered 429, whatever the share. */
  rateLimitNext = 0;
  down = false;
  forwarded = 0;
  rateLimited = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<{ host: string; port: number }> {
    this.server = createServer((incoming, outgoing) => {
      if (this.down) {
        incoming.socket.destroy();
        return;
      }
      if (this.rateLimitNext > 0 || Math.random() < this.rateLimitShare) {
        if (this.rateLimitNext > 0) this.rateLimitNext -= 1;
        this.rateLimited += 1;
        incoming.resume();
        const body = JSON.stringify({
          error: {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly.',
          },
        });
        outgoing.writeHead(429, { 'content-type': 'application/json', 'request-id': 'req_429' });
        outgoing.end(body);
        return;
      }
      this.forwarded += 1;
      const upstream = request(
        {
          host: this.target.host,
          port: this.target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      incoming.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return { host: '127.0.0.1', port };
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
