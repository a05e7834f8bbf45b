import { useEffect, useState } from 'react';
import {
  pollUntil,
  PollTimeoutError,
  type PaymentMethod,
  type PaymentQuery,
  type Price,
  type Subscription,
} from '@billing-service/client';
import { ActionButton, Badge, BlockedNotice, DoneNotice, Empty, Loading } from '../components';
import { ErrorNotice } from '../errors';
import { date, money, priceLabel, statusLabel, subscriptionPrice } from '../format';
import { useBillingBlockedReason } from '../permissions';
import { Link } from '../router';
import { useSession } from '../session';
import { useResource } from '../use-resource';
import { BillingProfileSection } from './BillingProfileSection';

const LIVE = new Set(['trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete']);
const PAYMENT_STATUSES = [
  'COMPLETED',
  'PENDING',
  'FAILED',
  'REFUNDED',
  'EXPIRED',
  'CANCELLED',
] as const;
const PAGE_SIZES = [2, 5, 10, 25] as const;

const sameState = (a: Subscription | null, b: Subscription | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** The account page: plan and its actions, features, billing history, purchases. */
export function AccountPage({ fromPortal = false }: { fromPortal?: boolean }) {
  const { account } = useSession();
  const [version, setVersion] = useState(0);
  const refresh = (): void => setVersion((value) => value + 1);

  return (
    <>
      <h1>Your account</h1>
      {account ? (
        <p className="muted">
          {account.kind === 'ORGANIZATION'
            ? `Billing for organisation ${account.orgId} — you are ${account.orgRole ?? 'a member'}.`
            : `Personal account of ${account.email ?? account.userId}.`}
        </p>
      ) : null}
      <PlanSection fromPortal={fromPortal} onChanged={refresh} />
      <CardsSection key={`cards-${version}`} />
      <BillingProfileSection key={`profile-${version}`} />
      <EntitlementsSection key={`features-${version}`} />
      <HistorySection key={`history-${version}`} />
      <PurchasesSection key={`purchases-${version}`} />
    </>
  );
}

function PlanSection({ fromPortal, onChanged }: { fromPortal: boolean; onChanged: () => void }) {
  const { client } = useSession();
  const blocked = useBillingBlockedReason();
  const current = useResource(() => client.subscriptions.current(), 'current');
  const catalog = useResource(() => client.catalog.products({ type: 'recurring' }), 'recurring');
  // What a command or the portal watch answered last, over the first load.
  const [latest, setLatest] = useState<Subscription | null | undefined>(undefined);
  const subscription = latest !== undefined ? latest : current.data;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(
    fromPortal
      ? 'Back from the billing portal. Changes made there show here as Stripe reports them.'
      : null,
  );
  const [target, setTarget] = useState('');

  // Back from the portal: its changes reach the service by webhook; watch for them briefly.
  useEffect(() => {
    if (!fromPortal || current.data === undefined) return;
    const stop = new AbortController();
    const initial = current.data;
    pollUntil(
      () => client.subscriptions.current(),
      (latest) => !sameState(latest, initial),
      {
        signal: stop.signal,
        timeoutMs: 10_000,
        onUpdate: (answer) => setLatest(answer),
      },
    ).catch((caught: unknown) => {
      if (!(caught instanceof PollTimeoutError) && !stop.signal.aborted) setError(caught);
    });
    return () => stop.abort(new Error('left the page'));
  }, [client, fromPortal, current.data]);

  async function run(action: string, command: () => Promise<Subscription | null>, done: string) {
    setBusy(action);
    setError(null);
    setNotice(null);
    try {
      const updated = await command();
      setLatest(updated);
      setNotice(done);
      onChanged();
    } catch (caught) {
      setError(caught);
    }
    setBusy(null);
  }

  /** Resumes a paused plan, or one set to cancel at the period's end; `done` says which. */
  function resumeButton(done: string) {
    return (
      <ActionButton
        blockedReason={blocked}
        reasonId="plan-blocked"
        busy={busy === 'resume'}
        onClick={() => void run('resume', () => client.subscriptions.resume(), done)}
      >
        Resume plan
      </ActionButton>
    );
  }

  async function openPortal(flow?: 'payment_method_update'): Promise<void> {
    setBusy(flow === undefined ? 'portal' : 'add-card');
    setError(null);
    try {
      const portal = await client.portal.create({
        returnPath: '/billing/from-portal',
        ...(flow === undefined ? {} : { flow }),
      });
      window.location.assign(portal.url);
      return;
    } catch (caught) {
      setError(caught);
    }
    setBusy(null);
  }

  const prices: { price: Price; productName: string }[] = (catalog.data ?? []).flatMap((product) =>
    product.prices
      .filter((price) => price.type === 'recurring')
      .map((price) => ({ price, productName: product.name })),
  );

  return (
    <section className="panel" aria-labelledby="plan-title">
      <h2 id="plan-title">Plan</h2>
      <DoneNotice>{notice}</DoneNotice>
      {error ? <ErrorNotice error={error} /> : null}
      <BlockedNotice id="plan-blocked" reason={blocked} />
      {subscription === undefined && current.loading ? (
        <Loading label="Loading your plan…" />
      ) : null}
      {current.error ? <ErrorNotice error={current.error} onRetry={current.reload} /> : null}
      {subscription === null ? (
        <Empty title="You have no plan yet.">
          <Link className="button" href="/pricing">
            See plans
          </Link>
        </Empty>
      ) : null}
      {subscription ? (
        <>
          <dl className="facts">
            <dt>Plan</dt>
            <dd id="plan-name">
              <strong>{subscription.productName}</strong> — {subscriptionPrice(subscription)}
            </dd>
            <dt>Status</dt>
            <dd>
              <Badge tone={subscription.entitled ? 'good' : 'warn'}>
                {statusLabel(subscription.status)}
              </Badge>
              {subscription.cancelAtPeriodEnd ? (
                <Badge tone="warn">Cancels at period end</Badge>
              ) : null}
            </dd>
            {subscription.status === 'trialing' ? (
              <>
                <dt>Trial ends</dt>
                <dd>{date(subscription.trialEnd)}</dd>
              </>
            ) : null}
            <dt>
              {subscription.periodType === 'ALL_TIME'
                ? 'Access'
                : subscription.status === 'paused'
                  ? 'Paused since'
                  : !subscription.autoRenew
                    ? LIVE.has(subscription.status)
                      ? 'Ends on'
                      : 'Ended'
                    : subscription.status === 'trialing'
                      ? 'First payment'
                      : 'Renews on'}
            </dt>
            <dd>
              {subscription.periodType === 'ALL_TIME'
                ? 'Lifetime — never renews, never runs out'
                : subscription.status === 'paused'
                  ? date(subscription.trialEnd ?? subscription.currentPeriodEnd)
                  : subscription.autoRenew && subscription.status === 'trialing'
                    ? `${money(subscription.amount, subscription.currency)} on ${date(subscription.currentPeriodEnd)}`
                    : date(subscription.currentPeriodEnd)}
            </dd>
          </dl>

          {subscription.paymentMethodRequired ? (
            <div className="notice notice-warn" role="status" id="card-needed">
              <p>
                <strong>
                  {subscription.status === 'paused'
                    ? 'Your plan is paused: add a card to continue.'
                    : 'Add a card to continue after your trial'}
                </strong>
                {subscription.status === 'trialing' && subscription.trialEndBehavior !== null
                  ? ` — without one, your plan ${
                      subscription.trialEndBehavior === 'cancel' ? 'ends' : 'pauses'
                    } on ${date(subscription.trialEnd)}.`
                  : null}
              </p>
              <ActionButton
                blockedReason={blocked}
                reasonId="plan-blocked"
                busy={busy === 'add-card'}
                onClick={() => void openPortal('payment_method_update')}
              >
                Add a card
              </ActionButton>
            </div>
          ) : null}

          {subscription.status === 'paused' && !subscription.paymentMethodRequired ? (
            <div className="actions">{resumeButton('Your plan is active again.')}</div>
          ) : null}

          {LIVE.has(subscription.status) &&
          subscription.status !== 'paused' &&
          subscription.periodType !== 'ALL_TIME' ? (
            <div className="actions">
              {subscription.cancelAtPeriodEnd ? (
                resumeButton('Your plan will renew as usual.')
              ) : (
                <ActionButton
                  className="button button-secondary"
                  blockedReason={blocked}
                  reasonId="plan-blocked"
                  busy={busy === 'cancel'}
                  onClick={() =>
                    void run(
                      'cancel',
                      () => client.subscriptions.cancel({ atPeriodEnd: true }),
                      'Your plan will end at the end of the period. You keep access until then.',
                    )
                  }
                >
                  Cancel at period end
                </ActionButton>
              )}
            </div>
          ) : null}

          {LIVE.has(subscription.status) &&
          subscription.status !== 'paused' &&
          subscription.periodType !== 'ALL_TIME' ? (
            <form
              className="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                if (!target || blocked) return;
                void run(
                  'change',
                  () => client.subscriptions.change({ priceId: target }),
                  'Your plan has been changed.',
                );
              }}
            >
              <label htmlFor="change-plan">Change plan to</label>
              <select
                id="change-plan"
                value={target}
                onChange={(event) => setTarget(event.target.value)}
                aria-disabled={blocked ? true : undefined}
              >
                <option value="">Choose a plan…</option>
                {prices
                  .filter(({ price }) => price.id !== subscription.priceId)
                  .map(({ price, productName }) => (
                    <option key={price.id} value={price.id}>
                      {productName} — {priceLabel(price)}
                    </option>
                  ))}
              </select>
              <ActionButton
                type="submit"
                blockedReason={blocked}
                reasonId="plan-blocked"
                busy={busy === 'change'}
                onClick={undefined}
              >
                Change plan
              </ActionButton>
            </form>
          ) : null}
        </>
      ) : null}

      <div className="actions">
        <ActionButton
          className="button button-secondary"
          blockedReason={blocked}
          reasonId="plan-blocked"
          busy={busy === 'portal'}
          onClick={() => void openPortal()}
        >
          Manage billing in the portal
        </ActionButton>
      </div>
    </section>
  );
}

function expiry(card: PaymentMethod): string {
  if (card.expMonth === null || card.expYear === null) return '—';
  return `${String(card.expMonth).padStart(2, '0')}/${card.expYear}`;
}

/** Saved cards: add one (Stripe Checkout in setup mode), choose the default, remove one. */
function CardsSection() {
  const { client } = useSession();
  const blocked = useBillingBlockedReason();
  const cards = useResource(
    () => (blocked ? Promise.resolve([]) : client.paymentMethods.list()),
    `cards-${blocked ?? ''}`,
  );
  const [latest, setLatest] = useState<PaymentMethod[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const shown = latest ?? cards.data;

  async function run(action: string, command: () => Promise<PaymentMethod[]>, done: string) {
    setBusy(action);
    setError(null);
    setNotice(null);
    try {
      setLatest(await command());
      setNotice(done);
    } catch (caught) {
      setError(caught);
    }
    setBusy(null);
  }

  async function addCard(): Promise<void> {
    setBusy('add');
    setError(null);
    try {
      const session = await client.paymentMethods.setup({ successPath: '/billing' });
      if (session.url) {
        window.location.assign(session.url);
        return;
      }
    } catch (caught) {
      setError(caught);
    }
    setBusy(null);
  }

  return (
    <section className="panel" aria-labelledby="cards-title">
      <h2 id="cards-title">Cards</h2>
      <DoneNotice>{notice}</DoneNotice>
      {error ? <ErrorNotice error={error} /> : null}
      <BlockedNotice id="cards-blocked" reason={blocked} />
      {!blocked && cards.loading && latest === null ? (
        <Loading label="Loading your cards…" />
      ) : null}
      {cards.error ? <ErrorNotice error={cards.error} onRetry={cards.reload} /> : null}
      {!blocked && shown && shown.length === 0 ? <Empty title="No saved card." /> : null}
      {shown && shown.length > 0 ? (
        <table>
          <caption className="visually-hidden">Saved cards, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Card</th>
              <th scope="col">Expires</th>
              <th scope="col">Default</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((card) => (
              <tr key={card.id} data-card-id={card.id}>
                <td>
                  {card.brand ?? card.type} ending {card.last4 ?? '····'}
                </td>
                <td>{expiry(card)}</td>
                <td>{card.isDefault ? <Badge tone="good">default</Badge> : null}</td>
                <td>
                  {card.isDefault ? null : (
                    <ActionButton
                      className="button button-secondary"
                      busy={busy === `default-${card.id}`}
                      onClick={() =>
                        void run(
                          `default-${card.id}`,
                          () => client.paymentMethods.makeDefault(card.id),
                          `Invoices are now charged to the card ending ${card.last4 ?? ''}.`,
                        )
                      }
                    >
                      Make default
                    </ActionButton>
                  )}
                  <ActionButton
                    className="button button-secondary"
                    busy={busy === `remove-${card.id}`}
                    onClick={() =>
                      void run(
                        `remove-${card.id}`,
                        () => client.paymentMethods.remove(card.id),
                        `Removed the card ending ${card.last4 ?? ''}.`,
                      )
                    }
                  >
                    Remove
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <ActionButton
        blockedReason={blocked}
        reasonId="cards-blocked"
        busy={busy === 'add'}
        onClick={() => void addCard()}
      >
        Add a card
      </ActionButton>
    </section>
  );
}

function EntitlementsSection() {
  const { client } = useSession();
  const entitlements = useResource(() => client.entitlements.list(), 'entitlements');
  return (
    <section className="panel" aria-labelledby="features-title">
      <h2 id="features-title">Features</h2>
      {entitlements.loading ? <Loading label="Loading your features…" /> : null}
      {entitlements.error ? (
        <ErrorNotice error={entitlements.error} onRetry={entitlements.reload} />
      ) : null}
      {entitlements.data && entitlements.data.features.length === 0 ? (
        <Empty title="No features yet: they come with a plan." />
      ) : null}
      {entitlements.data && entitlements.data.features.length > 0 ? (
        <>
          <ul className="chips" aria-label="Your features">
            {entitlements.data.features.map((feature) => (
              <li key={feature}>{feature}</li>
            ))}
          </ul>
          <p className="muted">
            {entitlements.data.validUntil
              ? `Paid for until ${date(entitlements.data.validUntil)}.`
              : 'Yours for good (lifetime).'}{' '}
            From: {entitlements.data.plans.map((plan) => plan.productName).join(', ')}.
          </p>
        </>
      ) : null}
    </section>
  );
}

/** `to` is exclusive in the API; a person's "to" date includes that day. */
function dayAfter(day: string): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

function HistorySection() {
  const { client } = useSession();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [status, setStatus] = useState('');
  const [limit, setLimit] = useState<number>(10);
  // Cursors of the pages seen so far: the last is the page shown.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const query: PaymentQuery = {
    ...(from ? { from } : {}),
    ...(to ? { to: dayAfter(to) } : {}),
    ...(status ? { status: status as PaymentQuery['status'] } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
  };
  const page = useResource(() => client.payments.list(query), JSON.stringify(query));
  const filter = (apply: () => void): void => {
    apply();
    setCursors([undefined]);
  };

  return (
    <section className="panel" aria-labelledby="history-title">
      <h2 id="history-title">Billing history</h2>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor="history-from">From</label>
          <input
            id="history-from"
            type="date"
            value={from}
            onChange={(e) => filter(() => setFrom(e.target.value))}
          />
        </div>
        <div className="field">
          <label htmlFor="history-to">To</label>
          <input
            id="history-to"
            type="date"
            value={to}
            onChange={(e) => filter(() => setTo(e.target.value))}
          />
        </div>
        <div className="field">
          <label htmlFor="history-status">Status</label>
          <select
            id="history-status"
            value={status}
            onChange={(e) => filter(() => setStatus(e.target.value))}
          >
            <option value="">All</option>
            {PAYMENT_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-limit">Rows per page</label>
          <select
            id="history-limit"
            value={limit}
            onChange={(e) => filter(() => setLimit(Number(e.target.value)))}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </form>
      {page.loading ? <Loading label="Loading billing history…" /> : null}
      {page.error ? <ErrorNotice error={page.error} onRetry={page.reload} /> : null}
      {page.data && page.data.data.length === 0 ? (
        <Empty
          title={
            from || to || status || cursors.length > 1
              ? 'No payments match these filters.'
              : 'No payments yet.'
          }
        />
      ) : null}
      {page.data && page.data.data.length > 0 ? (
        <table>
          <caption className="visually-hidden">Billing history, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Description</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Invoice</th>
            </tr>
          </thead>
          <tbody>
            {page.data.data.map((payment) => (
              <tr key={payment.id}>
                <td>{date(payment.occurredAt)}</td>
                <td>{payment.description ?? '—'}</td>
                <td>{payment.type.toLowerCase().replace('_', '-')}</td>
                <td>
                  <Badge
                    tone={
                      payment.status === 'COMPLETED'
                        ? 'good'
                        : payment.status === 'FAILED'
                          ? 'warn'
                          : 'neutral'
                    }
                  >
                    {payment.status.toLowerCase()}
                  </Badge>
                </td>
                <td className="number">
                  {money(payment.amount, payment.currency)}
                  {payment.amountRefunded > 0 ? (
                    <span className="muted refunded">
                      {' '}
                      ({money(payment.amountRefunded, payment.currency)} refunded)
                    </span>
                  ) : null}
                </td>
                <td>
                  {payment.hostedInvoiceUrl ? (
                    <a
                      href={payment.hostedInvoiceUrl}
                      target="_blank"
                      rel="noreferrer"
                      aria-label={`Invoice for ${payment.description ?? 'payment'} on ${date(payment.occurredAt)}`}
                    >
                      Invoice
                    </a>
                  ) : null}
                  {payment.hostedInvoiceUrl && payment.invoicePdfUrl ? ' · ' : null}
                  {payment.invoicePdfUrl ? (
                    <a
                      href={payment.invoicePdfUrl}
                      target="_blank"
                      rel="noreferrer"
                      aria-label={`Receipt PDF for ${payment.description ?? 'payment'} on ${date(payment.occurredAt)}`}
                    >
                      Receipt (PDF)
                    </a>
                  ) : null}
                  {!payment.hostedInvoiceUrl && !payment.invoicePdfUrl ? '—' : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {cursors.length > 1 || page.data?.nextCursor ? (
        <nav className="pager" aria-label="Billing history pages">
          <button
            type="button"
            className="button button-secondary"
            disabled={cursors.length <= 1}
            onClick={() => setCursors((list) => list.slice(0, -1))}
          >
            Newer
          </button>
          <span className="muted">Page {cursors.length}</span>
          <button
            type="button"
            className="button button-secondary"
            disabled={!page.data?.nextCursor}
            onClick={() => {
              const next = page.data?.nextCursor;
              if (next) setCursors((list) => [...list, next]);
            }}
          >
            Older
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function PurchasesSection() {
  const { client } = useSession();
  const purchases = useResource(() => client.purchases.list(), 'purchases');
  return (
    <section className="panel" aria-labelledby="purchases-title">
      <h2 id="purchases-title">Purchases</h2>
      {purchases.loading ? <Loading label="Loading purchases…" /> : null}
      {purchases.error ? <ErrorNotice error={purchases.error} onRetry={purchases.reload} /> : null}
      {purchases.data && purchases.data.length === 0 ? (
        <Empty title="No one-time purchases yet.">
          <Link href="/pricing">Lifetime access and credits</Link>
        </Empty>
      ) : null}
      {purchases.data && purchases.data.length > 0 ? (
        <table>
          <caption className="visually-hidden">
            One-time and lifetime purchases, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Product</th>
              <th scope="col">Kind</th>
              <th scope="col">Quantity</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {purchases.data.map((purchase) => (
              <tr key={purchase.id}>
                <td>{date(purchase.purchasedAt)}</td>
                <td>{purchase.productName}</td>
                <td>{purchase.lifetime ? 'lifetime' : 'consumable'}</td>
                <td>{purchase.quantity}</td>
                <td className="number">{money(purchase.amount, purchase.currency)}</td>
                <td>{purchase.status.toLowerCase()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
