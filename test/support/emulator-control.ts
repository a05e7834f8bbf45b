import Stripe from 'stripe';
import type { RunningService } from '../../src/boot';

function emulatorUrl(service: RunningService): URL {
  const sandbox = service.sandbox;
  if (sandbox === undefined) throw new Error('the service is not in sandbox mode');
  return new URL(sandbox.url);
}

/**
 * The official SDK pointed at the service's emulator (in-process or standalone), as a test plays
 * Stripe's side. In the hostile-Stripe run its calls meet the same injected failures as the
 * app's, so it retries them as any client would.
 */
export function emulatorStripe(service: RunningService): Stripe {
  const url = emulatorUrl(service);
  return new Stripe('sk_test_suite', {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: process.env.HOSTILE_STRIPE === 'true' ? 3 : 0,
  });
}

/** Calls the emulator's control API (outside /v1). */
export async function control<T = unknown>(
  service: RunningService,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${emulatorUrl(service).origin}/_emulator${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Waits until every webhook the emulator queued has reached the service (or given up). */
export async function flushWebhooks(service: RunningService): Promise<void> {
  await control(service, '/webhooks/flush', {});
}
