import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { control, emulatorStripe } from '../../test/support/emulator-control';
import { startTestService, type TestService } from '../../test/support/test-service';
import {
  BillingApiError,
  BillingTransportError,
  createBillingClient,
  isBillingApiError,
  PollTimeoutError,
  waitForCheckoutSession,
  waitForSubscription,
  type BillingClient,
  type ErrorCodeOf,
} from '../src';

/** A new person signed in through the sandbox route, with a client carrying their token. */
async function signedIn(
  t: TestService,
  identity: { orgId?: string; role?: string } = {},
): Promise<{ client: BillingClient; userId: string; sent: Request[] }> {
  const userId = `client_${Math.random().toString(36).slice(2, 10)}`;
  const anonymous = createBillingClient({ baseUrl: t.service.url });
  const { token } = await anonymous.sandbox.signIn({
    userId,
    email: `${userId}@example.test`,
    ...identity,
  });
  const sent: Request[] = [];
  const client = createBillingClient({
    baseUrl: t.service.url,
    getToken: () => token,
    fetch: (input, init) => {
      const request = new Request(input, init);
      sent.push(request.clone());
      return fetch(request);
    },
  });
  return { client, userId, sent };
}

describe('the client package against a running sandbox', () => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  it('is generated from the document the service serves', async () => {
    const served = await fetch(`${t.service.url}/docs-json`).then((r) => r.json());
    const committed = JSON.parse(
      await readFile(join(__dirname, '..', 'openapi.json'), 'utf8'),
    ) as unknown;
    expect(served).toEqual(committed);
  });

  it('reads the public config, including where Stripe.js comes from in sandbox mode', async () => {
    const config = await createBillingClient({ baseUrl: t.service.url }).config();
    expect(config).toMatchObject({ mode: 'sandbox', publishableKey: 'pk_test_sandbox' });
    expect(config.stripeJsUrl).toBe(`${t.service.sandbox?.url}/v3/`);
    const script = await fetch(config.stripeJsUrl);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain('initEmbeddedCheckout');
  });

  it('signs in through the sandbox route and sends the token on every call', async () => {
    const { client, userId, sent } = await signedIn(t);
    const account = await client.account();
    expect(account).toMatchObject({ kind: 'USER', userId, orgId: null, canManageBilling: true });
    expect(sent[0].headers.get('Authorization')).toMatch(/^Bearer ey/);

    const member = await signedIn(t, { orgId: `org_${userId}`, role: 'member' });
    expect(await member.client.account()).toMatchObject({
      kind: 'ORGANIZATION',
      orgRole: 'member',
      canManageBilling: false,
      billingAdminRoles: ['owner', 'admin'],
    });
    const refused = await member.client.checkout
      .create({ priceId: 'price_pro_monthly' })
      .catch((error: unknown) => error);
    expect(isBillingApiError(refused, 'BILLING_ROLE_REQUIRED')).toBe(true);
    expect(refused).toMatchObject({ status: 403, code: 'BILLING_ROLE_REQUIRED' });
    expect((refused as BillingApiError).requestId).not.toBe('');
  });

  it('adds an Idempotency-Key to the POSTs that take one; the same key replays the same session', async () => {
    const { client, sent } = await signedIn(t);
    await client.checkout.create({ priceId: 'price_pro_monthly' });
    const post = sent.find((request) => request.method === 'POST');
    expect(post?.headers.get('Idempotency-Key')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );

    const first = await client.checkout.create(
      { priceId: 'price_pro_yearly' },
      { idempotencyKey: 'double-click-1' },
    );
    const again = await client.checkout.create(
      { priceId: 'price_pro_yearly' },
      { idempotencyKey: 'double-click-1' },
    );
    expect(again.sessionId).toBe(first.sessionId);

    const reused = await client.checkout
      .create({ priceId: 'price_pro_monthly' }, { idempotencyKey: 'double-click-1' })
      .catch((error: unknown) => error);
    expect(isBillingApiError(reused, 'IDEMPOTENCY_KEY_REUSED')).toBe(true);

    // Not every POST takes a key: resume carries none.
    sent.length = 0;
    await client.subscriptions.resume().catch(() => undefined);
    expect(sent[0].headers.has('Idempotency-Key')).toBe(false);
  });

  it('throws the envelope as a BillingApiError whose code the types know per route', async () => {
    const { client } = await signedIn(t);
    const invalid = await client.checkout
      .create({ priceId: 'price_pro_monthly', promotionCode: 'NO_SUCH_CODE' })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(BillingApiError);
    const code: ErrorCodeOf<'CheckoutController_create'> = (
      invalid as BillingApiError & {
        code: ErrorCodeOf<'CheckoutController_create'>;
      }
    ).code;
    expect(code).toBe('PROMOTION_CODE_INVALID');

    const validation = await client.checkout
      .create({ priceId: 'price_pro_monthly', successPath: '//evil.example' })
      .catch((error: unknown) => error);
    expect(validation).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect((validation as BillingApiError).fieldMessage('successPath')).toMatch(/path/);
  });

  it('reports an unreachable service as a BillingTransportError', async () => {
    const client = createBillingClient({ baseUrl: 'http://127.0.0.1:9' });
    await expect(client.config()).rejects.toBeInstanceOf(BillingTransportError);
  });

  it('polls a checkout session until it completes, then the subscription until it shows', async () => {
    const { client } = await signedIn(t);
    const created = await client.checkout.create({ priceId: 'price_pro_yearly' });
    const seen: string[] = [];
    const waiting = waitForCheckoutSession(client, created.sessionId, {
      intervalMs: 50,
      onUpdate: (session) => seen.push(session.status),
    });
    await control(t.service, `/checkout/sessions/${created.sessionId}/complete`, {
      card: '4242424242424242',
    });
    const session = await waiting;
    expect(session).toMatchObject({ status: 'complete', mode: 'subscription' });
    expect(session.subscriptionId).toMatch(/^sub_/);
    expect(seen.at(-1)).toBe('complete');

    const subscription = await waitForSubscription(
      client,
      (current) => current?.id === session.subscriptionId,
      { intervalMs: 50 },
    );
    expect(subscription).toMatchObject({ status: 'trialing', priceId: 'price_pro_yearly' });

    // A change made elsewhere (the portal: Stripe's side) shows up once its webhook is applied.
    await emulatorStripe(t.service).subscriptions.update(session.subscriptionId as string, {
      cancel_at_period_end: true,
    });
    const canceling = await waitForSubscription(
      client,
      (current) => current?.cancelAtPeriodEnd === true,
      {
        intervalMs: 50,
      },
    );
    expect(canceling?.autoRenew).toBe(false);
  });

  it('stops polling when aborted, and gives up with the last answer when time runs out', async () => {
    const { client } = await signedIn(t);
    const created = await client.checkout.create({ priceId: 'price_credits_1000' });

    const controller = new AbortController();
    controller.abort(new Error('left the page'));
    await expect(
      waitForCheckoutSession(client, created.sessionId, { signal: controller.signal }),
    ).rejects.toThrow('left the page');

    const timedOut = await waitForCheckoutSession(client, created.sessionId, {
      timeoutMs: 0,
    }).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(PollTimeoutError);
    expect((timedOut as PollTimeoutError<{ status: string }>).last?.status).toBe('open');

    // Errors that waiting cannot fix are thrown at once.
    await expect(waitForCheckoutSession(client, 'cs_test_not_mine')).rejects.toMatchObject({
      code: 'CHECKOUT_SESSION_NOT_FOUND',
    });
  });
});
