import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { ServiceLifecycle } from '../../src/common/service-lifecycle';
import { InFlightRequests } from '../../src/http-setup';

/**
 * Runs `work` counting the timers it sets that neither fired nor were cleared by its end: each
 * one would keep the process alive until it fires.
 */
async function timersLeftBy<T>(work: () => Promise<T>): Promise<{ result: T; left: number }> {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Set<unknown>();
  const tracked = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = realSet(
      (...callArgs: unknown[]) => {
        pending.delete(timer);
        callback(...callArgs);
      },
      ms,
      ...args,
    );
    pending.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = tracked;
  globalThis.clearTimeout = ((timer?: NodeJS.Timeout) => {
    pending.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout;
  try {
    const result = await work();
    return { result, left: pending.size };
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
}

describe('InFlightRequests.drain', () => {
  let server: Server;
  let inFlight: InFlightRequests;
  let port: number;
  let release: () => void;

  beforeEach(async () => {
    const lifecycle = new ServiceLifecycle();
    inFlight = new InFlightRequests(lifecycle);
    let released = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      released = resolve;
    });
    release = released;
    server = createServer((req, res) => {
      inFlight.track(res);
      void gate.then(() => res.end('done'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });

  afterEach(() => {
    release();
    server.closeAllConnections();
  });

  it('lets a request in flight finish, and leaves no timer behind once the server has closed', async () => {
    const answer = new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    while (inFlight.size === 0) await new Promise((resolve) => setImmediate(resolve));
    setTimeout(release, 50);
    const { result: cut, left } = await timersLeftBy(() => inFlight.drain(server, 60_000));
    expect(await answer).toBe('done');
    expect(cut).toBe(0);
    // The 60-second deadline left running would keep a process that embeds the service alive.
    expect(left).toBe(0);
  });

  it('cuts what is still in flight at the deadline', async () => {
    const failed = new Promise<Error>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/' }, () => undefined)
        .on('error', resolve)
        .end();
    });
    while (inFlight.size === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await inFlight.drain(server, 300)).toBe(1);
    expect((await failed).message).toMatch(/socket hang up|ECONNRESET/);
  });
});
