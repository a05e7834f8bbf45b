import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test can switch off: while off it refuses new connections and cuts open ones,
 * as a network outage between the service and Stripe would.
 */
export class TcpProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private up = true;
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
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return { host: '127.0.0.1', port: this.port };
  }

  down(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
