import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { subscribeThroughStripe } from '../support/flows';
import {
  buyThroughStripe,
  createOneTimeSession,
  newAccount,
  type TestAccount,
} from '../support/one-time-flows';
import { startTestService, type TestService } from '../support/test-service';
import { bearer } from '../support/tokens';

interface PaymentBody {
  id: string;
  type: string;
  status: string;
  amount: number;
  currency: string;
  description: string | null;
  occurredAt: string;
  invoiceId: string | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  subscriptionId: string | null;
  checkoutSessionId: string | null;
  refundId: string | null;
}

interface PageBody {
  data: PaymentBody[];
  nextCursor: string | null;
}

const MONTH_SECONDS = 31 * 86_400;

describe('GET /api/payments and GET /api/purchases', () => {
  let t: TestService;
  let stripe: Stripe;
  /** An account with months of history of every kind, built once (the clock is shared). */
  let rich: TestAccount & { subscriptionId: string };
  let refundedSession: Stripe.Checkout.Session;

  const get = (token: string, query: Record<string, string | number> = {}) =>
    t.http.get('/api/payments').query(query).set(bearer(token));

  async function allPayments(token: string): Promise<PaymentBody[]> {
    const res = await get(token, { limit: 100 }).expect(200);
    const body = res.body as PageBody;
    expect(body.nextCursor).toBeNull();
    return body.data;
  }

  beforeAll(async () => {
    t = await startTestService();
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);

    const subscribed = await subscribeThroughStripe(t);
    rich = {
      user: subscribed.user,
      token: subscribed.token,
      accountId: subscribed.accountId,
      subscriptionId: subscribed.subscriptionId,
    };
    refundedSession = await buyThroughStripe(t, rich, 'price_credits_1000');
    await stripe.refunds.create({ payment_intent: refundedSession.payment_intent as string });
    // Left open: it expires (24 h) during the first advance and becomes an EXPIRED line.
    await createOneTimeSession(t, rich, 'price_credits_1000');
    for (let month = 0; month < 4; month++) {
      await control(t.service, '/clock/advance', { seconds: MONTH_SECONDS });
      await flushWebhooks(t.service);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists every line of the account newest first, in the documented shape', async () => {
    const payments = await allPayments(rich.token);
    expect(payments.length).toBe(
      await t.prisma.payment.count({ where: { accountId: rich.accountId } }),
    );
    expect(payments.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < payments.length; i++) {
      const [newer, older] = [payments[i - 1], payments[i]];
      const order =
        Date.parse(newer.occurredAt) - Date.parse(older.occurredAt) ||
        (newer.id > older.id ? 1 : -1);
      expect(order).toBeGreaterThan(0);
    }
    const invoice = payments.find((p) => p.type === 'SUBSCRIPTION' && p.status === 'COMPLETED');
    expect(invoice).toEqual({
      id: expect.any(String),
      type: 'SUBSCRIPTION',
      status: 'COMPLETED',
      amount: 2900,
      amountRefunded: 0,
      currency: 'usd',
      description: expect.any(String),
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      invoiceId: expect.stringMatching(/^in_/),
      hostedInvoiceUrl: expect.any(String),
      invoicePdfUrl: expect.stringMatching(/\/invoices\/in_\w+\/pdf$/),
      subscriptionId: rich.subscriptionId,
      checkoutSessionId: null,
      refundId: null,
    });
    expect(payments.filter((p) => p.type === 'SUBSCRIPTION').length).toBeGreaterThanOrEqual(5);
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'ONE_TIME',
          status: 'COMPLETED',
          amount: 1900,
          amountRefunded: 1900,
          checkoutSessionId: refundedSession.id,
        }),
        expect.objectContaining({ type: 'ONE_TIME', status: 'EXPIRED' }),
        expect.objectContaining({
          type: 'REFUND',
          status: 'REFUNDED',
          amount: 1900,
          refundId: expect.stringMatching(/^re_/),
        }),
      ]),
    );
  });

  it('pages through the whole history with no gaps or repeats', async () => {
    const everything = await allPayments(rich.token);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(rich.token, {
        limit: 3,
        ...(cursor === null ? {} : { cursor }),
      }).expect(200);
      const page = res.body as PageBody;
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen).toEqual(everything.map((p) => p.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(everything.length / 3));
  });

  it('keeps pages stable when new lines are recorded while a client pages', async () => {
    const before = await allPayments(rich.token);
    const first = (await get(rich.token, { limit: 4 }).expect(200)).body as PageBody;
    expect(first.nextCursor).not.toBeNull();

    // A new, newest line lands between the two requests.
    await buyThroughStripe(t, rich, 'price_credits_1000');

    const rest: string[] = [];
    let cursor = first.nextCursor;
    while (cursor !== null) {
      const page = (await get(rich.token, { limit: 4, cursor }).expect(200)).body as PageBody;
      rest.push(...page.data.map((p) => p.id));
      cursor = page.nextCursor;
    }
    expect([...first.data.map((p) => p.id), ...rest]).toEqual(before.map((p) => p.id));
    const after = await allPayments(rich.token);
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ type: 'ONE_TIME', status: 'COMPLETED' });
  });

  it('filters by status and by type', async () => {
    const everything = await allPayments(rich.token);
    for (const status of ['COMPLETED', 'EXPIRED', 'REFUNDED', 'FAILED']) {
      const res = await get(rich.token, { status, limit: 100 }).expect(200);
      const data = (res.body as PageBody).data;
      expect(data.every((p) => p.status === status)).toBe(true);
      expect(data.map((p) => p.id)).toEqual(
        everything.filter((p) => p.status === status).map((p) => p.id),
      );
    }
    for (const type of ['SUBSCRIPTION', 'ONE_TIME', 'REFUND']) {
      const res = await get(rich.token, { type, limit: 100 }).expect(200);
      const data = (res.body as PageBody).data;
      expect(data.length).toBeGreaterThan(0);
      expect(data.map((p) => p.id)).toEqual(
        everything.filter((p) => p.type === type).map((p) => p.id),
      );
    }
    const both = await get(rich.token, { type: 'ONE_TIME', status: 'EXPIRED' }).expect(200);
    expect((both.body as PageBody).data).toHaveLength(1);
  });

  it('filters by date range: from inclusive, to exclusive', async () => {
    const invoices = (await allPayments(rich.token))
      .filter((p) => p.type === 'SUBSCRIPTION' && p.status === 'COMPLETED')
      .reverse();
    const from = invoices[1].occurredAt;
    const to = invoices[3].occurredAt;
    const res = await get(rich.token, { from, to, type: 'SUBSCRIPTION', limit: 100 }).expect(200);
    const ids = (res.body as PageBody).data.map((p) => p.id);
    expect(ids).toContain(invoices[1].id);
    expect(ids).toContain(invoices[2].id);
    expect(ids).not.toContain(invoices[3].id);
    expect(ids).not.toContain(invoices[0].id);
    for (const p of (res.body as PageBody).data) {
      expect(Date.parse(p.occurredAt)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(p.occurredAt)).toBeLessThan(Date.parse(to));
    }

    // Only `from`, and only `to`, split the history between them with nothing lost.
    const everything = await allPayments(rich.token);
    const newer = ((await get(rich.token, { from: to, limit: 100 }).expect(200)).body as PageBody)
      .data;
    const older = ((await get(rich.token, { to, limit: 100 }).expect(200)).body as PageBody).data;
    expect([...newer, ...older].map((p) => p.id)).toEqual(everything.map((p) => p.id));

    // Bare dates are midnight UTC.
    const day = new Date(Date.parse(to) + 86_400_000).toISOString().slice(0, 10);
    const tail = ((await get(rich.token, { from: day, limit: 100 }).expect(200)).body as PageBody)
      .data;
    expect(tail.every((p) => Date.parse(p.occurredAt) >= Date.parse(`${day}T00:00:00Z`))).toBe(
      true,
    );
  });

  it('refuses from after to, naming both fields', async () => {
    const res = await get(rich.token, {
      from: '2026-03-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
    }).expect(400);
    expect(res.body).toMatchObject({ success: false, error_code: 'VALIDATION_FAILED' });
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['from', 'to']);
    // Equal bounds are a valid, empty range.
    const empty = await get(rich.token, { from: '2026-02-01', to: '2026-02-01' }).expect(200);
    expect(empty.body).toEqual({ data: [], nextCursor: null });
  });

  it.each([
    ['a cursor that is not base64url', { cursor: 'not a cursor!' }, 'cursor'],
    [
      'a base64url cursor of something else',
      { cursor: Buffer.from('hello|world').toString('base64url') },
      'cursor',
    ],
    ['a limit of 0', { limit: 0 }, 'limit'],
    ['a limit over 100', { limit: 101 }, 'limit'],
    ['a limit that is not a number', { limit: 'ten' }, 'limit'],
    ['an unknown status', { status: 'PAID' }, 'status'],
    ['an unknown type', { type: 'INVOICE' }, 'type'],
    ['a date that is not ISO 8601', { from: 'yesterday' }, 'from'],
    ['an impossible date', { to: '2026-02-30' }, 'to'],
    ['an unknown parameter', { accountId: '00000000-0000-4000-8000-000000000000' }, 'accountId'],
  ])('refuses %s with 400 naming the field', async (_, query, field) => {
    const res = await get(rich.token, query).expect(400);
    expect(res.body.error_code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it("never shows one account another's payments", async () => {
    const other = await subscribeThroughStripe(t);
    const mine = (await allPayments(rich.token)).map((p) => p.id);
    const theirs = await allPayments(other.token);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((p) => p.subscriptionId === other.subscriptionId)).toBe(true);
    expect(theirs.some((p) => mine.includes(p.id))).toBe(false);

    // A cursor is only a position: from another account's page it still reads one's own rows.
    const page = (await get(rich.token, { limit: 1 }).expect(200)).body as PageBody;
    const borrowed = await get(other.token, { cursor: page.nextCursor as string }).expect(200);
    expect((borrowed.body as PageBody).data.some((p) => mine.includes(p.id))).toBe(false);

    const fresh = await newAccount(t);
    expect((await get(fresh.token).expect(200)).body).toEqual({ data: [], nextCursor: null });
  });

  it('requires a bearer token', async () => {
    const res = await t.http.get('/api/payments').expect(401);
    expect(res.body.error_code).toBe('UNAUTHENTICATED');
    await t.http.get('/api/purchases').expect(401);
  });

  it('lists purchases newest first, a refunded one marked so', async () => {
    const res = await t.http.get('/api/purchases').set(bearer(rich.token)).expect(200);
    const purchases = res.body as Record<string, unknown>[];
    expect(purchases.length).toBe(2);
    expect(purchases[1]).toEqual({
      id: expect.any(String),
      productId: 'prod_credits',
      productName: '1,000 credits',
      priceId: 'price_credits_1000',
      lifetime: false,
      quantity: 1,
      amount: 1900,
      currency: 'usd',
      status: 'REFUNDED',
      purchasedAt: expect.any(String),
      refundedAt: expect.any(String),
    });
    expect(purchases[0]).toMatchObject({ status: 'ACTIVE', refundedAt: null });
    expect(Date.parse(purchases[0].purchasedAt as string)).toBeGreaterThan(
      Date.parse(purchases[1].purchasedAt as string),
    );
  });

  it('documents the routes in Swagger', async () => {
    const doc = await t.http.get('/docs-json').expect(200);
    const payments = doc.body.paths['/api/payments'].get;
    expect(payments.summary).toBeTruthy();
    expect(payments.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['from', 'to', 'status', 'type', 'limit', 'cursor']),
    );
    expect(Object.keys(payments.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    expect(doc.body.paths['/api/purchases'].get.summary).toBeTruthy();
    expect(doc.body.components.schemas.PaymentDto.properties.occurredAt.example).toBeTruthy();
  });
});
