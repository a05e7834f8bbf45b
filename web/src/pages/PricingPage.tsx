import { useEffect, useRef, useState } from 'react';
import {
  isBillingApiError,
  type Price,
  type Product,
  type Subscription,
} from '@billing-service/client';
import { ActionButton, Badge, BlockedNotice, DoneNotice, Empty, Loading } from '../components';
import { describeError, ErrorNotice } from '../errors';
import { priceLabel } from '../format';
import { useBillingBlockedReason } from '../permissions';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { loadStripe, type EmbeddedCheckout } from '../stripe-js';
import { useResource } from '../use-resource';

type Interval = 'month' | 'year';
type UiMode = 'hosted' | 'embedded';

const LIVE = new Set(['trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete']);

const recurringPrices = (product: Product): Price[] =>
  product.prices.filter((price) => price.type === 'recurring');
const oneTimePrices = (product: Product): Price[] =>
  product.prices.filter((price) => price.type === 'one_time');

/** The product's price for the chosen interval, else its only recurring one. */
function priceFor(product: Product, interval: Interval): Price | undefined {
  const recurring = recurringPrices(product);
  return recurring.find((price) => price.interval === interval) ?? recurring[0];
}

function savingOf(product: Product): number | null {
  const monthly = product.prices.find((price) => price.interval === 'month')?.unitAmount;
  const yearly = product.prices.find((price) => price.interval === 'year')?.unitAmount;
  if (!monthly || !yearly) return null;
  return Math.round((1 - yearly / (monthly * 12)) * 100);
}

export function PricingPage() {
  const { client, config, session } = useSession();
  const blocked = useBillingBlockedReason();
  const products = useResource(() => client.catalog.products(), `products:${session?.token ?? ''}`);
  const current = useResource<Subscription | null>(
    () => (session ? client.subscriptions.current() : Promise.resolve(null)),
    `current:${session?.token ?? ''}`,
  );
  const [interval, setBillingInterval] = useState<Interval>('month');
  const [uiMode, setUiMode] = useState<UiMode>('hosted');
  const [promotionCode, setPromotionCode] = useState('');
  const [promotionError, setPromotionError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [embedded, setEmbedded] = useState<{ clientSecret: string; sessionId: string } | null>(
    null,
  );

  const live = current.data && LIVE.has(current.data.status) ? current.data : null;

  async function buy(price: Price): Promise<void> {
    setPending(price.id);
    setError(null);
    setPromotionError(null);
    setNotice(null);
    try {
      const created = await client.checkout.create({
        priceId: price.id,
        promotionCode: promotionCode.trim() || undefined,
        uiMode,
        successPath: '/billing/success',
        cancelPath: '/billing/cancel',
      });
      if (created.url) {
        // Off to Stripe's page; the button stays busy until the browser leaves.
        window.location.assign(created.url);
        return;
      }
      if (created.clientSecret) {
        setEmbedded({ clientSecret: created.clientSecret, sessionId: created.sessionId });
      }
    } catch (caught) {
      const promotionField =
        isBillingApiError(caught, 'VALIDATION_FAILED') && caught.fieldMessage('promotionCode');
      if (isBillingApiError(caught, 'PROMOTION_CODE_INVALID') || promotionField) {
        setPromotionError(promotionField || describeError(caught).message);
      } else {
        setError(caught);
      }
    }
    setPending(null);
  }

  async function switchTo(price: Price): Promise<void> {
    setPending(price.id);
    setError(null);
    setNotice(null);
    try {
      const changed = await client.subscriptions.change({ priceId: price.id });
      setNotice(`Your plan is now ${changed?.productName ?? 'changed'} (${priceLabel(price)}).`);
      current.reload();
      products.reload();
    } catch (caught) {
      setError(caught);
    }
    setPending(null);
  }

  function planAction(product: Product, price: Price) {
    if (!session) {
      return (
        <Link className="button" href="/sign-in">
          Sign in to subscribe
        </Link>
      );
    }
    if (live?.priceId === price.id) {
      return (
        <Link className="button button-secondary" href="/billing">
          Manage your plan
        </Link>
      );
    }
    if (live) {
      return (
        <ActionButton
          blockedReason={blocked}
          reasonId="pricing-blocked"
          busy={pending === price.id}
          onClick={() => void switchTo(price)}
        >
          Switch to {product.name} {price.interval === 'year' ? 'yearly' : 'monthly'}
        </ActionButton>
      );
    }
    const trial = price.trialDays !== null && price.trialDays > 0;
    return (
      <ActionButton
        blockedReason={blocked}
        reasonId="pricing-blocked"
        busy={pending === price.id}
        onClick={() => void buy(price)}
      >
        {pending === price.id ? 'Starting checkout…' : trial ? 'Start free trial' : 'Subscribe'}
      </ActionButton>
    );
  }

  if (products.loading && !products.data) return <Loading label="Loading plans…" />;
  if (products.error) return <ErrorNotice error={products.error} onRetry={products.reload} />;
  const all = products.data ?? [];
  const plans = all.filter((product) => recurringPrices(product).length > 0);
  const packs = all.filter((product) => oneTimePrices(product).length > 0);

  return (
    <>
      <h1>Pricing</h1>
      <DoneNotice>{notice}</DoneNotice>
      {error ? <ErrorNotice error={error} /> : null}
      <BlockedNotice id="pricing-blocked" reason={blocked} />

      <div className="toolbar">
        <fieldset className="segmented">
          <legend>Billing period</legend>
          {(['month', 'year'] as const).map((value) => (
            <label key={value} className={interval === value ? 'selected' : undefined}>
              <input
                type="radio"
                name="interval"
                value={value}
                checked={interval === value}
                onChange={() => setBillingInterval(value)}
              />
              {value === 'month' ? 'Monthly' : 'Yearly'}
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>How to pay</legend>
          {(
            [
              ['hosted', "On Stripe's page"],
              ['embedded', 'On this page'],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className={uiMode === value ? 'selected' : undefined}>
              <input
                type="radio"
                name="ui-mode"
                value={value}
                checked={uiMode === value}
                onChange={() => setUiMode(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="promotion-code">Promotion code</label>
          <input
            id="promotion-code"
            value={promotionCode}
            onChange={(event) => {
              setPromotionCode(event.target.value);
              setPromotionError(null);
            }}
            placeholder="WELCOME10"
            autoComplete="off"
            aria-invalid={promotionError ? true : undefined}
            aria-describedby={promotionError ? 'promotion-code-error' : 'promotion-code-hint'}
          />
          {promotionError ? (
            <span id="promotion-code-error" className="field-error" role="alert">
              {promotionError}
            </span>
          ) : (
            <span id="promotion-code-hint" className="field-hint">
              Applied at checkout.
            </span>
          )}
        </div>
      </div>

      {embedded && config ? (
        <EmbeddedCheckoutPanel
          stripeJsUrl={config.stripeJsUrl}
          publishableKey={config.publishableKey ?? ''}
          clientSecret={embedded.clientSecret}
          sessionId={embedded.sessionId}
          onClose={() => setEmbedded(null)}
        />
      ) : null}

      <section aria-labelledby="plans-title">
        <h2 id="plans-title">Plans</h2>
        {plans.length === 0 ? (
          <Empty title="No plans are on sale yet." />
        ) : (
          <ul className="cards">
            {plans.map((product) => {
              const price = priceFor(product, interval);
              if (!price) return null;
              const saving =
                interval === 'year' && price.interval === 'year' ? savingOf(product) : null;
              const isCurrent = live?.priceId === price.id;
              return (
                <li key={product.id} className={`card${isCurrent ? ' card-current' : ''}`}>
                  <h3>{product.name}</h3>
                  <p className="badges">
                    {isCurrent ? <Badge tone="good">Current plan</Badge> : null}
                    {!isCurrent && product.current ? (
                      <Badge tone="info">Your plan (other period)</Badge>
                    ) : null}
                    {price.trialDays && !live ? (
                      <Badge tone="info">{price.trialDays}-day free trial</Badge>
                    ) : null}
                    {saving ? <Badge>Save {saving}%</Badge> : null}
                    {interval === 'year' && price.interval !== 'year' ? (
                      <Badge>Monthly only</Badge>
                    ) : null}
                  </p>
                  <p className="price">{priceLabel(price)}</p>
                  {product.description ? <p className="muted">{product.description}</p> : null}
                  <FeatureList features={product.features} />
                  {planAction(product, price)}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section aria-labelledby="packs-title">
        <h2 id="packs-title">Lifetime access and credits</h2>
        {packs.length === 0 ? (
          <Empty title="Nothing else is on sale." />
        ) : (
          <ul className="cards">
            {packs.map((product) => {
              const price = oneTimePrices(product)[0];
              const lifetime = product.metadata.lifetime === 'true';
              const owned = lifetime && product.subscribed === true;
              return (
                <li key={product.id} className="card">
                  <h3>{product.name}</h3>
                  <p className="badges">
                    {lifetime ? (
                      <Badge tone="info">Lifetime</Badge>
                    ) : (
                      <Badge>Buy as often as you like</Badge>
                    )}
                    {owned ? <Badge tone="good">Owned</Badge> : null}
                  </p>
                  <p className="price">{priceLabel(price)}</p>
                  {product.description ? <p className="muted">{product.description}</p> : null}
                  <FeatureList features={product.features} />
                  {!session ? (
                    <Link className="button" href="/sign-in">
                      Sign in to buy
                    </Link>
                  ) : owned ? (
                    <ActionButton blockedReason="You own this already: lifetime access never runs out.">
                      Buy {product.name}
                    </ActionButton>
                  ) : (
                    <ActionButton
                      blockedReason={blocked}
                      reasonId="pricing-blocked"
                      busy={pending === price.id}
                      onClick={() => void buy(price)}
                    >
                      {pending === price.id ? 'Starting checkout…' : `Buy ${product.name}`}
                    </ActionButton>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </>
  );
}

function FeatureList({ features }: { features: string[] }) {
  if (features.length === 0) return null;
  return (
    <ul className="features" aria-label="Features">
      {features.map((feature) => (
        <li key={feature}>{feature}</li>
      ))}
    </ul>
  );
}

/** Embedded checkout: Stripe.js mounts the payment form here; paying leads to the return page. */
function EmbeddedCheckoutPanel(props: {
  stripeJsUrl: string;
  publishableKey: string;
  clientSecret: string;
  sessionId: string;
  onClose: () => void;
}) {
  const { stripeJsUrl, publishableKey, clientSecret, sessionId, onClose } = props;
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let checkout: EmbeddedCheckout | undefined;
    let closed = false;
    loadStripe(stripeJsUrl, publishableKey)
      .then((stripe) =>
        stripe.initEmbeddedCheckout({
          clientSecret,
          onComplete: () =>
            navigate(`/billing/success?session_id=${encodeURIComponent(sessionId)}`),
        }),
      )
      .then((created) => {
        if (closed || container.current === null) {
          created.destroy();
          return;
        }
        checkout = created;
        created.mount(container.current);
        setReady(true);
      })
      .catch((caught: unknown) => setError(caught));
    return () => {
      closed = true;
      checkout?.destroy();
    };
  }, [stripeJsUrl, publishableKey, clientSecret, sessionId]);

  return (
    <section className="panel embedded" aria-labelledby="embedded-title">
      <h2 id="embedded-title">Complete your purchase</h2>
      {error ? <ErrorNotice error={error} /> : null}
      {!ready && !error ? <Loading label="Loading the payment form…" /> : null}
      <div ref={container} className="embedded-frame" />
      <button type="button" className="button button-secondary" onClick={onClose}>
        Cancel
      </button>
    </section>
  );
}
