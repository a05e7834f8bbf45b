import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from './emulator-control';
import type { TestService } from './test-service';
import { bearer, newUser, signToken } from './tokens';

export interface TestAccount {
  user: { sub: string; email: string };
  token: string;
  accountId: string;
}

/** A new user whose billing account exists (created on first use, as for any member request). */
export async function newAccount(t: TestService): Promise<TestAccount> {
  const user = newUser();
  const token = signToken(user);
  await t.http.get('/api/subscriptions/current').set(bearer(token)).expect(200);
  const account = await t.prisma.account.findFirstOrThrow({ where: { externalId: user.sub } });
  return { user, token, accountId: account.id };
}

/**
 * A payment-mode Checkout session for a one-time price, created on Stripe's side with the
 * account id the service writes (client_reference_id and metadata).
 */
export async function createOneTimeSession(
  t: TestService,
  account: TestAccount,
  price: string,
): Promise<Stripe.Checkout.Session> {
  const stripe = emulatorStripe(t.service);
  const customer = await t.prisma.account.findUniqueOrThrow({ where: { id: account.accountId } });
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price, quantity: 1 }],
    client_reference_id: account.accountId,
    ...(customer.stripeCustomerId === null
      ? { customer_email: account.user.email, customer_creation: 'always' as const }
      : { customer: customer.stripeCustomerId }),
    metadata: { accountId: account.accountId },
    payment_intent_data: { metadata: { accountId: account.accountId } },
    success_url: 'http://localhost:5173/billing/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:5173/billing/cancel',
  });
}

/** Buys a one-time price through Checkout, paid with a card, every webhook delivered. */
export async function buyThroughStripe(
  t: TestService,
  account: TestAccount,
  price: string,
): Promise<Stripe.Checkout.Session> {
  const session = await createOneTimeSession(t, account, price);
  await control(t.service, `/checkout/sessions/${session.id}/complete`, {
    card: '4242424242424242',
  });
  await flushWebhooks(t.service);
  return emulatorStripe(t.service).checkout.sessions.retrieve(session.id);
}
