import { Agent, request } from 'node:http';
import Stripe from 'stripe';
import { summarise, type LatencySummary } from './support/load';

/** One delivery run through the fleet's balancer, with each event's first send time kept. */
export interface FleetDeliveryRun {
  deliveries: number;
  completed: number;
  durationMs: number;
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  errors: number;
  errorSamples: string[];
  /** Unix ms of each event's first delivery (the stand-in for Stripe's `created`). */
  firstSentAt: Map<string, number>;
}

function post(
  agent: Agent,
  url: URL,
  payload: string,
  signature: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(payload),
          'stripe-signature': signature,
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Delivers `stream` `concurrency` at a time over keep-alive connections (signed afresh per
 * attempt, as Stripe does), like `deliverWebhooks`, and remembers when each event was first sent.
 */
export async function deliverThroughFleet(
  url: string,
  stream: readonly Stripe.Event[],
  options: { secret: string; concurrency: number; timeLimitMs: number },
): Promise<FleetDeliveryRun> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const payloads = new Map<string, string>();
  for (const event of stream)
    if (!payloads.has(event.id)) payloads.set(event.id, JSON.stringify(event, null, 2));
  const firstSentAt = new Map<string, number>();
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const worker = async (): Promise<void> => {
    while (next < stream.length && performance.now() < deadline) {
      const event = stream[next++];
      const payload = payloads.get(event.id) as string;
      if (!firstSentAt.has(event.id)) firstSentAt.set(event.id, Date.now());
      const sent = performance.now();
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret,
      });
      try {
        const answer = await post(agent, target, payload, signature);
        latencies.push(performance.now() - sent);
        if (answer.status !== 200) {
          errors++;
          if (errorSamples.length < 5)
            errorSamples.push(`${event.id} → ${answer.status} ${answer.body.slice(0, 200)}`);
        }
      } catch (error) {
        latencies.push(performance.now() - sent);
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${event.id}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationMs = performance.now() - started;
  agent.destroy();
  return {
    deliveries: stream.length,
    completed: latencies.length,
    durationMs: Math.round(durationMs),
    deliveriesPerSecond: Math.round((latencies.length / durationMs) * 1000),
    latencyMs: summarise(latencies),
    errors,
    errorSamples,
    firstSentAt,
  };
}
