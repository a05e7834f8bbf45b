import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { withClient } from './postgres';

const DAY = 86_400;

/** The emulator as the benchmark drives it: the official SDK and the control API. */
export class EmulatorDriver {
  readonly stripe: Stripe;

  constructor(readonly url: string) {
    const { hostname, port } = new URL(url);
    this.stripe = new Stripe('sk_test_bench', {
      host: hostname,
      port: Number(port),
      protocol: 'http',
      maxNetworkRetries: 5,
      timeout: 60_000,
    });
  }

  async control<T>(path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/_emulator${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(300_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every event the emulator holds, newest first (bounded by `max`). */
  async allEvents(max: number): Promise<Stripe.Event[]> {
    const events: Stripe.Event[] = [];
    for await (const event of this.stripe.events.list({ limit: 100 })) {
      events.push(event);
      if (events.length >= max) break;
    }
    return events;
  }
}

/** What one benchmark customer went through, so the verification knows what to expect. */
export type Scenario = 'monthly' | 'trial' | 'failing' | 'upgrade' | 'cancel' | 'purchase';

const SCENARIOS: Scenario[] = [
  'monthly',
  'monthly',
  'monthly',
  'trial',
  'trial',
  'failing',
  'upgrade',
  'upgrade',
  'cancel',
  'purchase',
];

export interface BenchCustomer {
  accountId: string;
  customerId: string;
  subscriptionId: string;
  scenario: Scenario;
  warmUp: boolean;
}

/** Runs `work` over `items`, `limit` at a time. */
export async function eachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Account rows as the API would create them on first use: one per customer. */
async function createAccounts(databaseUrl: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await withClient(databaseUrl, async (client) => {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const values = chunk.map(
        (_, j) => `($${j * 3 + 1}::uuid, 'USER', $${j * 3 + 2}, $${j * 3 + 3}, now())`,
      );
      await client.query(
        `INSERT INTO "Account" ("id", "kind", "externalId", "email", "updatedAt") VALUES ${values.join(', ')}`,
        chunk.flatMap((id, j) => [id, `bench_user_${i + j}`, `bench_${i + j}@example.test`]),
      );
    }
  });
  return ids;
}

export interface GeneratedEvents {
  customers: BenchCustomer[];
  /** Events of the warm-up customers, delivered before the measured run. */
  warmUp: Stripe.Event[];
  /** Events of every other customer: the measured run. */
  measured: Stripe.Event[];
  generationMs: number;
}

function customerOfEvent(event: Stripe.Event): string | null {
  const object = event.data.object as { id?: unknown; object?: unknown; customer?: unknown };
  if (object.object === 'customer' && typeof object.id === 'string') return object.id;
  if (typeof object.customer === 'string') return object.customer;
  if (typeof object.customer === 'object' && object.customer !== null) {
    const id = (object.customer as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  }
  return null;
}

/**
 * Real lifecycles in the emulator with webhook delivery to the app paused: checkouts (some with
 * trials, some with a card that fails later), then time moves on (trial ends, renewals, failed
 * renewals and their retries to cancellation), with plan changes, cancellations at period end,
 * one-time purchases and refunds on the way. The events are then read back from the Events API.
 */
export async function generateEvents(
  emulator: EmulatorDriver,
  databaseUrl: string,
  options: { customers: number; warmUpCustomers: number; log: (line: string) => void },
): Promise<GeneratedEvents> {
  const started = performance.now();
  const { stripe } = emulator;
  await emulator.control('/webhooks/flush', {});
  const before = new Set((await emulator.allEvents(100_000)).map((event) => event.id));
  await emulator.control('/webhooks/options', { enabled: false });

  const total = options.customers + options.warmUpCustomers;
  const accountIds = await createAccounts(databaseUrl, total);
  const customers: BenchCustomer[] = new Array<BenchCustomer>(total);

  const checkout = async (
    accountId: string,
    params: Partial<Stripe.Checkout.SessionCreateParams>,
    card: string,
  ): Promise<Stripe.Checkout.Session> => {
    const session = await stripe.checkout.sessions.create({
      client_reference_id: accountId,
      metadata: { accountId },
      success_url: 'http://localhost:5173/ok?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://localhost:5173/cancel',
      ...params,
    });
    await emulator.control(`/checkout/sessions/${session.id}/complete`, { card });
    return stripe.checkout.sessions.retrieve(session.id);
  };

  await eachLimit(accountIds, 8, async (accountId, index) => {
    const scenario = SCENARIOS[index % SCENARIOS.length];
    const trialDays = scenario === 'trial' ? 7 : scenario === 'failing' ? 3 : 0;
    const session = await checkout(
      accountId,
      {
        mode: 'subscription',
        customer_email: `bench_${index}@example.test`,
        line_items: [
          {
            price:
              scenario === 'trial' || scenario === 'failing'
                ? 'price_starter_monthly'
                : 'price_pro_monthly',
            quantity: 1,
          },
        ],
        subscription_data: {
          ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
          metadata: { accountId },
        },
      },
      scenario === 'failing' ? '4000000000000341' : '4242424242424242',
    );
    customers[index] = {
      accountId,
      customerId: session.customer as string,
      subscriptionId: session.subscription as string,
      scenario,
      warmUp: index < options.warmUpCustomers,
    };
  });
  options.log(`  ${total} checkouts completed`);

  await emulator.control('/clock/advance', { seconds: 8 * DAY });
  await eachLimit(customers, 8, async (customer) => {
    if (customer.scenario === 'upgrade') {
      const subscription = await stripe.subscriptions.retrieve(customer.subscriptionId);
      await stripe.subscriptions.update(customer.subscriptionId, {
        items: [{ id: subscription.items.data[0].id, price: 'price_pro_yearly' }],
        proration_behavior: 'create_prorations',
      });
    } else if (customer.scenario === 'cancel') {
      await stripe.subscriptions.update(customer.subscriptionId, { cancel_at_period_end: true });
    } else if (customer.scenario === 'purchase') {
      const credits = await checkout(
        customer.accountId,
        {
          mode: 'payment',
          customer: customer.customerId,
          line_items: [{ price: 'price_credits_1000', quantity: 1 }],
        },
        '4242424242424242',
      );
      await stripe.refunds.create({ payment_intent: credits.payment_intent as string });
    }
  });
  options.log('  plan changes, cancellations, purchases and refunds done');
  await emulator.control('/clock/advance', { seconds: 31 * DAY });
  await emulator.control('/clock/advance', { seconds: 25 * DAY });
  options.log('  clock advanced 64 days (trial ends, renewals, retries, cancellations)');

  const events = (await emulator.allEvents(1_000_000)).filter((event) => !before.has(event.id));
  const warmUpCustomers = new Set(customers.filter((c) => c.warmUp).map((c) => c.customerId));
  const warmUp: Stripe.Event[] = [];
  const measured: Stripe.Event[] = [];
  for (const event of events) {
    const customer = customerOfEvent(event);
    (customer !== null && warmUpCustomers.has(customer) ? warmUp : measured).push(event);
  }
  return { customers, warmUp, measured, generationMs: performance.now() - started };
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same stream. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Every event once plus repeats, so that `duplicateShare` of all deliveries are repeats of an
 * event already in the stream; then shuffled (Fisher–Yates).
 */
export function deliveryStream(
  events: readonly Stripe.Event[],
  duplicateShare: number,
  random: () => number,
): Stripe.Event[] {
  const repeats = Math.round((events.length * duplicateShare) / (1 - duplicateShare));
  const stream = [...events];
  for (let i = 0; i < repeats; i++) stream.push(events[Math.floor(random() * events.length)]);
  for (let i = stream.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [stream[i], stream[j]] = [stream[j], stream[i]];
  }
  return stream;
}
