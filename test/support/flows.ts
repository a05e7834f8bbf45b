import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from './emulator-control';
import type { TestService } from './test-service';
import { bearer, newUser, signToken } from './tokens';

export interface SubscribedAccount {
  user: { sub: string; email: string };
  token: string;
  accountId: string;
  subscriptionId: string;
  customerId: string;
  sessionId: string;
}

/**
 * A new user who subscribed through a Stripe Checkout session completed with a card, as
 * Stripe's side (the emulator) sees it, with every webhook delivered to the service.
 */
export async function subscribeThroughStripe(
  t: TestService,
  options: { price?: string; trialDays?: number; card?: string } = {},
): Promise<SubscribedAccount> {
  const stripe: Stripe = emulatorStripe(t.service);
  const user = newUser();
  const token = signToken(user);
  await t.http.get('/api/subscriptions/current').set(bearer(token)).expect(200);
  const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: options.price ?? 'price_pro_monthly', quantity: 1 }],
    client_reference_id: account.id,
    customer_email: user.email,
    metadata: { accountId: account.id },
    subscription_data: {
      ...(options.trialDays ? { trial_period_days: options.trialDays } : {}),
      metadata: { accountId: account.id },
    },
    success_url: 'http://localhost:5173/billing/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:5173/billing/cancel',
  });
  await control(t.service, `/checkout/sessions/${session.id}/complete`, {
    card: options.card ?? '4242424242424242',
  });
  await flushWebhooks(t.service);
  const completed = await stripe.checkout.sessions.retrieve(session.id);
  return {
    user,
    token,
    accountId: account.id,
    subscriptionId: completed.subscription as string,
    customerId: completed.customer as string,
    sessionId: session.id,
  };
}
