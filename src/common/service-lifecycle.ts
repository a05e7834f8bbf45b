/**
 * Whether the process is shutting down. Set once, at the first SIGTERM/SIGINT (or `close()` in
 * tests); readiness answers 503 from that moment so that a load balancer stops routing here
 * while requests in flight finish.
 */
export class ServiceLifecycle {
  private shutdownStartedAt?: Date;

  get shuttingDown(): boolean {
    return this.shutdownStartedAt !== undefined;
  }

  beginShutdown(now = new Date()): void {
    this.shutdownStartedAt ??= now;
  }
}
