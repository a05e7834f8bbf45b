import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import Stripe from 'stripe';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of latencies in milliseconds. */
export function summarise(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

export interface DeliveryRun {
  deliveries: number;
  completed: number;
  durationMs: number;
  eventsPerSecond: number;
  latencyMs: LatencySummary;
  /** Answers other than 200 (and transport errors), by status. */
  errors: number;
  errorsByStatus: Record<string, number>;
  errorSamples: string[];
  answeredDuplicate: number;
  /** Deliveries not sent because the time limit was reached. */
  notSent: number;
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, payload: string, signature: string): Promise<Answer> {
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
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
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
 * Delivers `stream` to the webhook endpoint `concurrency` at a time over keep-alive
 * connections, each request signed afresh as Stripe does, until the stream or the time
 * limit runs out. Latency is measured from just before signing to the last byte of the answer.
 */
export async function deliverWebhooks(
  url: string,
  stream: readonly Stripe.Event[],
  options: { secret: string; concurrency: number; timeLimitMs: number },
): Promise<DeliveryRun> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  // Serialised once per event, as Stripe sends the same bytes on every attempt.
  const payloads = new Map<string, string>();
  for (const event of stream)
    if (!payloads.has(event.id)) payloads.set(event.id, JSON.stringify(event, null, 2));

  const latencies: number[] = [];
  const errorsByStatus: Record<string, number> = {};
  const errorSamples: string[] = [];
  let answeredDuplicate = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const fail = (key: string, sample: string): void => {
    errorsByStatus[key] = (errorsByStatus[key] ?? 0) + 1;
    if (errorSamples.length < 5) errorSamples.push(sample.slice(0, 300));
  };

  const worker = async (): Promise<void> => {
    while (next < stream.length && performance.now() < deadline) {
      const event = stream[next++];
      const payload = payloads.get(event.id) as string;
      const sent = performance.now();
      const signature = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret,
      });
      try {
        const answer = await post(agent, target, payload, signature);
        latencies.push(performance.now() - sent);
        if (answer.status !== 200) {
          fail(
            String(answer.status),
            `${event.id} ${event.type} → ${answer.status} ${answer.body}`,
          );
        } else if ((JSON.parse(answer.body) as { duplicate?: boolean }).duplicate === true) {
          answeredDuplicate++;
        }
      } catch (error) {
        latencies.push(performance.now() - sent);
        fail('transport', `${event.id}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const durationMs = performance.now() - started;
  agent.destroy();
  const errors = Object.values(errorsByStatus).reduce((a, b) => a + b, 0);
  return {
    deliveries: stream.length,
    completed: latencies.length,
    durationMs: Math.round(durationMs),
    eventsPerSecond: Math.round((latencies.length / durationMs) * 1000),
    latencyMs: summarise(latencies),
    errors,
    errorsByStatus,
    errorSamples,
    answeredDuplicate,
    notSent: stream.length - latencies.length,
  };
}

export interface HttpRun {
  url: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  total: number;
  non2xx: number;
  errors: number;
  /**
   * The measuring process's own event-loop delay (a probe in a process of its own): how late it
   * could send a request or read an answer, which its latencies include.
   */
  clientLoopDelayMs?: { p50: number; p99: number; max: number };
}

/**
 * autocannon against one GET URL for `durationSeconds` (a short unmeasured warm-up first): as
 * fast as `connections` allow, or at `ratePerSecond` (latency then counts from when each request
 * was due, so a stalled server is not hidden by requests it delayed).
 */
export async function measureGet(
  url: string,
  options: {
    connections: number;
    durationSeconds: number;
    headers?: Record<string, string>;
    ratePerSecond?: number;
  },
): Promise<HttpRun> {
  const run = (duration: number): Promise<autocannon.AutocannonResult> =>
    new Promise((resolve, reject) => {
      autocannon(
        {
          url,
          connections: options.connections,
          duration,
          headers: options.headers,
          timeout: 10,
          overallRate: options.ratePerSecond,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
  await run(1);
  const result = await run(options.durationSeconds);
  return {
    url,
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
