import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { BackgroundSlices, backgroundSlices } from '../../src/common/background-slices';
import { MetricsRegistry } from '../../src/common/metrics.registry';

/** Keeps the CPU busy for `ms`, as a step of bulk work does. */
function burn(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe('BackgroundSlices', () => {
  let server: Server;
  let client: Socket;

  beforeAll(async () => {
    server = createServer((socket) => socket.on('data', (chunk) => socket.write(chunk)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    client = new Socket();
    client.connect(address.port, '127.0.0.1');
    await once(client, 'connect');
  });

  afterAll(async () => {
    client.destroy();
    server.close();
    await once(server, 'close');
  });

  /**
   * Queues `steps` steps of 1 ms each, sends a message over a loopback socket to an echo server
   * in this process, and answers how many steps had run when the echo came back: the echo needs
   * the loop to poll its sockets twice (the server reads, then the client).
   */
  async function stepsBeforeEcho(slices: BackgroundSlices, steps: number): Promise<number> {
    let done = 0;
    const work = Array.from({ length: steps }, async () => {
      await slices.next();
      burn(1);
      done += 1;
    });
    const echoed = once(client, 'data').then(() => done);
    client.write('ping');
    const [atEcho] = await Promise.all([echoed, Promise.all(work)]);
    return atEcho;
  }

  it('lets the loop poll its sockets between slices, so a request is not held behind a burst', async () => {
    const atEcho = await stepsBeforeEcho(new BackgroundSlices(2), 60);
    // About two steps per slice and two polls: the echo comes back long before the burst ends.
    expect(atEcho).toBeLessThan(30);
  });

  it('without slices short enough, the same burst holds the echo until its end (the check discriminates)', async () => {
    const atEcho = await stepsBeforeEcho(new BackgroundSlices(60_000), 60);
    expect(atEcho).toBe(60);
  });

  it('runs steps in the order they asked, across slices', async () => {
    const slices = new BackgroundSlices(1);
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await slices.next();
        burn(0.3);
        order.push(i);
      }),
    );
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(slices.backlog).toBe(0);
  });

  it('serves the steps that hold a transaction before the others', async () => {
    const slices = new BackgroundSlices(60_000);
    const order: string[] = [];
    const step = (name: string, holdsTransaction: boolean): Promise<void> =>
      slices.next({ holdsTransaction }).then(() => {
        order.push(name);
      });
    await Promise.all([
      step('delivery 1', false),
      step('delivery 2', false),
      step('transaction 1', true),
      step('delivery 3', false),
      step('transaction 2', true),
    ]);
    expect(order).toEqual([
      'transaction 1',
      'transaction 2',
      'delivery 1',
      'delivery 2',
      'delivery 3',
    ]);
  });

  it('goes on after a step that fails', async () => {
    const slices = new BackgroundSlices(2);
    const failing = slices.next().then(() => {
      throw new Error('a step failed');
    });
    const after = slices.next().then(() => 'ran');
    await expect(failing).rejects.toThrow('a step failed');
    await expect(after).resolves.toBe('ran');
    // A later burst is scheduled again once the queue has emptied.
    await expect(slices.next()).resolves.toBeUndefined();
  });

  it('counts the steps waiting and refuses a slice of no time', async () => {
    const slices = new BackgroundSlices(2);
    const waits = [slices.next(), slices.next(), slices.next()];
    expect(slices.backlog).toBe(3);
    await Promise.all(waits);
    expect(slices.backlog).toBe(0);
    expect(() => new BackgroundSlices(0)).toThrow(RangeError);
    expect(() => new BackgroundSlices(Number.NaN)).toThrow(RangeError);
  });

  it("shows the process's waiting steps on /metrics", async () => {
    const registry = new MetricsRegistry();
    const gauge = async (): Promise<number | undefined> =>
      (await registry.getSingleMetric('billing_background_steps_waiting')?.get())?.values[0]?.value;
    const waits = [backgroundSlices.next(), backgroundSlices.next({ holdsTransaction: true })];
    expect(await gauge()).toBe(2);
    await Promise.all(waits);
    expect(await gauge()).toBe(0);
    expect(await registry.metrics()).toContain('billing_background_steps_waiting 0');
  });
});
