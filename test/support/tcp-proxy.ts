import { connect, createServer, type Server, type Socket } from 'node:net';

/** An HTTP request line at the start of a chunk the client sent. */
const REQUEST_LINE = /(?:^|\r\n)(GET|POST|DELETE|PUT|PATCH) (\/\S*) HTTP\/1\.1\r\n/g;

/**
 * A TCP proxy a test can switch off: while off it refuses new connections and cuts open ones,
 * as a network outage between the service and Stripe would. While held, it keeps what clients
 * send (a Stripe that does not answer yet) until released. It counts the HTTP requests that
 * pass, by request line.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;
  private holding = false;
  /** Connections open when `cutOnNextWrite()` was called. */
  private readonly doomed = new WeakSet<Socket>();
  private readonly held: (() => void)[] = [];
  private heldLines: string[] = [];
  private readonly heldWaiters: (() => void)[] = [];
  /** Request lines seen, e.g. `POST /v1/checkout/sessions`. */
  readonly requests: string[] = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<{ host: string; port: number }> {
    this.server = createServer((client) => {
      if (!this.up) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => {
        if (this.doomed.has(client)) {
          client.destroy();
          upstream.destroy();
          return;
        }
        const lines: string[] = [];
        for (const match of chunk.toString('latin1').matchAll(REQUEST_LINE)) {
          lines.push(`${match[1]} ${match[2].split('?')[0]}`);
        }
        this.requests.push(...lines);
        const forward = (): void => {
          if (!upstream.destroyed) upstream.write(chunk);
        };
        if (this.holding) {
          this.held.push(forward);
          this.heldLines.push(...lines);
          for (const waiter of this.heldWaiters.splice(0)) waiter();
        } else forward();
      });
      client.on('end', () => upstream.end());
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return { host: '127.0.0.1', port: this.port };
  }

  /** Stripe stops answering: requests are kept, unanswered, until `release()`. */
  hold(): void {
    this.holding = true;
  }

  /**
   * Resolves once at least `count` requests are being held (only requests with this request
   * line, e.g. `POST /v1/customers`, when one is given).
   */
  async heldRequests(count = 1, requestLine?: string): Promise<void> {
    const matching = (): number =>
      this.heldLines.filter((line) => requestLine === undefined || line === requestLine).length;
    while (matching() < count) {
      await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
    }
  }

  /** Sends on everything held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    this.heldLines = [];
    for (const forward of this.held.splice(0)) forward();
  }

  /** How many requests with this request line (`POST /v1/customers`) have passed. */
  count(requestLine: string): number {
    return this.requests.filter((line) => line === requestLine).length;
  }

  /**
   * Every open connection dies silently (a NAT or firewall forgetting it): nothing happens until
   * the client next sends, and then the connection is cut without the data going through.
   * New connections work.
   */
  cutOnNextWrite(): void {
    for (const socket of this.sockets) this.doomed.add(socket);
  }

  down(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.release();
    this.down();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
