import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  server: Server;
  url: string;
  /** Requests sent to each target so far. */
  counts: number[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP load balancer for a local fleet: each request goes to the next target in turn
 * (bodies streamed, X-Forwarded-For added); a target that refuses the connection answers 502.
 * Not for production: a real balancer (or the platform's) does health checks and keep-alive.
 */
export async function startRoundRobinProxy(
  targets: string[],
  port: number,
  host = '127.0.0.1',
): Promise<RoundRobinProxy> {
  const counts = targets.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const index = next;
    next = (next + 1) % targets.length;
    counts[index] += 1;
    const target = new URL(targets[index]);
    const forwarded = req.headers['x-forwarded-for'];
    const peer = req.socket.remoteAddress ?? '';
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-for': typeof forwarded === 'string' ? `${forwarded}, ${peer}` : peer,
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"success":false,"statusCode":502,"error_code":"BAD_GATEWAY"}');
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
