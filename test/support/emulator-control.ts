import Stripe from 'stripe';
import type { RunningService } from '../../src/boot';

/** The official SDK pointed at the service's in-process emulator, as a test plays Stripe's side. */
export function emulatorStripe(service: RunningService): Stripe {
  const emulator = service.sandbox?.emulator;
  if (emulator === undefined) throw new Error('the service is not in sandbox mode');
  return new Stripe('sk_test_suite', {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}

/** Calls the emulator's control API (outside /v1). */
export async function control<T = unknown>(
  service: RunningService,
  path: string,
  body?: unknown,
): Promise<T> {
  const emulator = service.sandbox?.emulator;
  if (emulator === undefined) throw new Error('the service is not in sandbox mode');
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
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
  await service.sandbox?.emulator.flushWebhooks();
}
