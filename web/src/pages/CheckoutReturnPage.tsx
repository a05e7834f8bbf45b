import { useEffect, useState } from 'react';
import {
  waitForCheckoutSession,
  waitForSubscription,
  type CheckoutSessionStatus,
  type Entitlements,
  type Subscription,
} from '@billing-service/client';
import { Badge, DoneNotice, Loading } from '../components';
import { ErrorNotice } from '../errors';
import { date, money, statusLabel, subscriptionPrice } from '../format';
import { Link, useLocation } from '../router';
import { useSession } from '../session';

interface Outcome {
  session: CheckoutSessionStatus;
  subscription?: Subscription | null;
  entitlements?: Entitlements;
}

/**
 * Where Stripe sends the buyer back (`/billing/success?session_id=…`): asks the service until the
 * session is complete (it is refreshed from Stripe, so this does not wait for the webhook), then,
 * for a subscription, until the account shows it, and says what was bought.
 */
export function CheckoutReturnPage() {
  const { client } = useSession();
  const sessionId = useLocation().searchParams.get('session_id');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [progress, setProgress] = useState('Confirming your payment…');
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!sessionId) return;
    const stop = new AbortController();
    const follow = async (): Promise<void> => {
      const session = await waitForCheckoutSession(client, sessionId, { signal: stop.signal });
      if (session.status !== 'complete' || session.mode !== 'subscription') {
        setOutcome({ session });
        return;
      }
      setProgress('Payment confirmed. Setting up your plan…');
      const subscription = await waitForSubscription(
        client,
        (current) => current?.id === session.subscriptionId,
        { signal: stop.signal },
      );
      const entitlements = await client.entitlements.list();
      setOutcome({ session, subscription, entitlements });
    };
    follow().catch((caught: unknown) => {
      if (!stop.signal.aborted) setError(caught);
    });
    return () => stop.abort(new Error('left the return page'));
  }, [client, sessionId]);

  if (!sessionId) {
    return (
      <section className="panel narrow" aria-labelledby="return-title">
        <h1 id="return-title">Checkout</h1>
        <p role="alert" className="notice notice-error">
          This page needs a <code>session_id</code>: it is where checkout returns after paying.
        </p>
        <Link href="/pricing">See plans</Link>
      </section>
    );
  }
  return (
    <section className="panel narrow" aria-labelledby="return-title">
      <h1 id="return-title">
        {outcome?.session.status === 'complete'
          ? 'Thank you!'
          : outcome?.session.status === 'expired'
            ? 'This checkout expired'
            : 'Finishing your checkout'}
      </h1>
      {error ? <ErrorNotice error={error} /> : null}
      {!outcome && !error ? <Loading label={progress} /> : null}
      {outcome ? <OutcomeDetails outcome={outcome} /> : null}
    </section>
  );
}

function OutcomeDetails({ outcome }: { outcome: Outcome }) {
  const { session, subscription, entitlements } = outcome;
  if (session.status === 'expired') {
    return (
      <>
        <p>Nothing was charged. Start again whenever you like.</p>
        <Link className="button" href="/pricing">
          Back to pricing
        </Link>
      </>
    );
  }
  if (session.mode === 'payment') {
    return (
      <>
        <DoneNotice>
          Your purchase is complete. It is listed on your account page with its receipt.
        </DoneNotice>
        <Link className="button" href="/billing">
          Go to your account
        </Link>
      </>
    );
  }
  return (
    <>
      <DoneNotice>
        You are on <strong>{subscription?.productName}</strong>
        {subscription ? ` (${subscriptionPrice(subscription)})` : ''}.
      </DoneNotice>
      {subscription ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <Badge tone={subscription.status === 'trialing' ? 'info' : 'good'}>
              {statusLabel(subscription.status)}
            </Badge>
          </dd>
          {subscription.status === 'trialing' ? (
            <>
              <dt>Trial ends</dt>
              <dd>{date(subscription.trialEnd)}</dd>
            </>
          ) : null}
          <dt>
            {subscription.cancelAtPeriodEnd
              ? 'Ends on'
              : subscription.status === 'trialing'
                ? 'First payment'
                : 'Renews on'}
          </dt>
          <dd>
            {subscription.status === 'trialing' && !subscription.cancelAtPeriodEnd
              ? `${money(subscription.amount, subscription.currency)} on ${date(subscription.currentPeriodEnd)}`
              : date(subscription.currentPeriodEnd)}
          </dd>
        </dl>
      ) : null}
      {entitlements ? (
        <>
          <h2>Your features</h2>
          <ul className="chips" aria-label="Your features">
            {entitlements.features.map((feature) => (
              <li key={feature}>{feature}</li>
            ))}
          </ul>
        </>
      ) : null}
      <Link className="button" href="/billing">
        Go to your account
      </Link>
    </>
  );
}
