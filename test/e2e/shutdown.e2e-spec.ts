import { Client } from 'pg';
import Stripe from 'stripe';
import { RUNTIME_WEBHOOK_SECRETS } from '../../src/stripe/stripe.module';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer } from '../support/tokens';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a request while the subscription table is held, so that it is still running when the
 * service's shutdown starts; then lets the table go. Returns the request's answer and the
 * shutdown in progress.
 */
async function inFlightDuringShutdown(
  t: TestService,
  send: () => Promise<Response>,
): Promise<{ response: Response; closing: Promise<unknown> }> {
  const blocker = new Client({ connectionString: t.databaseUrl });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE "Subscription" IN ACCESS EXCLUSIVE MODE');
  const inFlight = send();
  await pause(300);
  const closing = t.close();
  await pause(300);
  await blocker.query('ROLLBACK');
  await blocker.end();
  return { response: await inFlight, closing };
}

describe('graceful shutdown', () => {
  it('finishes a request in flight before closing the pool', async () => {
    const t = await startTestService();
    const stripe = emulatorStripe(t.service);
    const secrets = t.service.app.get<string[]>(RUNTIME_WEBHOOK_SECRETS);
    const secret = secrets[secrets.length - 1];
    await flushWebhooks(t.service);
    const a = await subscribeThroughStripe(t);
    await control(t.service, '/webhooks/options', { enabled: false });
    await stripe.subscriptions.update(a.subscriptionId, { cancel_at_period_end: true });
    const [event] = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 }))
      .data;
    const payload = JSON.stringify(event);

    const { response, closing } = await inFlightDuringShutdown(t, () =>
      fetch(`${t.service.url}/api/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret }),
        },
        body: payload,
      }),
    );
    // The answer is sent only after the transaction committed: the event was applied in full.
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    await closing;
    await expect(fetch(`${t.service.url}/api/health`)).rejects.toThrow();
  });

  it('finishes a hot read in flight (answered at the front door) before closing the pool', async () => {
    const t = await startTestService();
    const a = await subscribeThroughStripe(t);
    const { response, closing } = await inFlightDuringShutdown(t, () =>
      fetch(`${t.service.url}/api/subscriptions/current`, { headers: bearer(a.token) }),
    );
    expect(response.status).toBe(200);
    // Written while the service drains: the client is told not to reuse the connection.
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ subscription: { id: a.subscriptionId } });
    await closing;
    await expect(fetch(`${t.service.url}/api/health`)).rejects.toThrow();
  });
});
