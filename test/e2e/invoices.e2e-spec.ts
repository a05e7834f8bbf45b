import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

interface InvoiceLineBody {
  id: string;
  description: string | null;
  priceId: string | null;
  quantity: number | null;
  amount: number;
  discountAmount: number;
  taxAmount: number;
  proration: boolean;
}

interface InvoiceBody {
  id: string;
  number: string | null;
  status: string;
  currency: string;
  subtotal: number;
  discountAmount: number;
  taxAmount: number;
  total: number;
  amountPaid: number;
  billingReason: string | null;
  periodStart: string;
  periodEnd: string;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  subscriptionId: string | null;
  issuedAt: string;
  lines: InvoiceLineBody[];
}

interface PaymentBody {
  type: string;
  status: string;
  amount: number;
  invoiceId: string | null;
  hostedInvoiceUrl: string | null;
  invoicePdfUrl: string | null;
  checkoutSessionId: string | null;
}

describe('invoices and receipts: GET /api/invoices, GET /api/invoices/:id, links from /api/payments', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService();
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function buy(auth: Record<string, string>, priceId: string, quantity = 1): Promise<string> {
    const res = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId, quantity })
      .expect(201);
    const sessionId = (res.body as { sessionId: string }).sessionId;
    const paid = await control(t.service, `/checkout/sessions/${sessionId}/complete`, {
      card: '4242424242424242',
    });
    expect(paid).toMatchObject({ status: 'complete' });
    await flushWebhooks(t.service);
    return sessionId;
  }

  async function invoices(
    auth: Record<string, string>,
    query: Record<string, string | number> = {},
  ) {
    const res = await t.http.get('/api/invoices').query(query).set(auth).expect(200);
    return res.body as { data: InvoiceBody[]; nextCursor: string | null };
  }

  it('gives every one-time purchase a paid invoice with lines and a PDF the emulator serves', async () => {
    const user = newUser('receipt');
    const auth = bearer(signToken(user));
    const sessionId = await buy(auth, 'price_credits_1000', 2);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(session.invoice_creation?.enabled).toBe(true);
    expect(typeof session.invoice).toBe('string');

    const page = await invoices(auth);
    expect(page.nextCursor).toBeNull();
    expect(page.data).toHaveLength(1);
    const invoice = page.data[0];
    expect(invoice).toMatchObject({
      id: session.invoice,
      status: 'paid',
      currency: session.currency,
      subtotal: session.amount_subtotal,
      discountAmount: 0,
      taxAmount: 0,
      total: session.amount_total,
      amountPaid: session.amount_total,
      billingReason: 'manual',
      subscriptionId: null,
    });
    expect(invoice.number).toMatch(/-\d{4}$/);
    expect(invoice.lines).toHaveLength(1);
    expect(invoice.lines[0]).toMatchObject({
      priceId: 'price_credits_1000',
      quantity: 2,
      amount: session.amount_subtotal,
      proration: false,
    });

    const pdf = await fetch(invoice.invoicePdfUrl as string);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toContain('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    expect((await fetch(invoice.hostedInvoiceUrl as string)).status).toBe(200);

    // The purchase is one line of history (not two), and it links to its receipt.
    const history = (await t.http.get('/api/payments').set(auth).expect(200)).body as {
      data: PaymentBody[];
    };
    expect(history.data).toHaveLength(1);
    expect(history.data[0]).toMatchObject({
      type: 'ONE_TIME',
      status: 'COMPLETED',
      checkoutSessionId: sessionId,
      invoiceId: invoice.id,
      hostedInvoiceUrl: invoice.hostedInvoiceUrl,
      invoicePdfUrl: invoice.invoicePdfUrl,
    });

    const one = await t.http.get(`/api/invoices/${invoice.id}`).set(auth).expect(200);
    expect(one.body).toEqual(invoice);
  });

  it('lists subscription invoices with their period and lines, and pages them newest first', async () => {
    const user = newUser('subscriber');
    const auth = bearer(signToken(user));
    const sessionId = await buy(auth, 'price_pro_monthly');
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    const subscriptionId = session.subscription as string;
    // A trial (0) invoice first, then the invoice at trial end, then a renewal.
    for (let i = 0; i < 2; i++) {
      await control(t.service, '/clock/advance', { seconds: 32 * 86_400 });
      await flushWebhooks(t.service);
    }
    const all = await invoices(auth, { limit: 100 });
    const stripeInvoices = (
      await stripe.invoices.list({ subscription: subscriptionId })
    ).data.filter((entry) => entry.status !== 'draft');
    expect(all.data.map((entry) => entry.id).sort()).toEqual(
      stripeInvoices.map((entry) => entry.id).sort(),
    );
    expect(all.data.length).toBeGreaterThanOrEqual(2);
    for (const entry of all.data) {
      expect(entry.subscriptionId).toBe(subscriptionId);
      expect(entry.lines.length).toBeGreaterThan(0);
      expect(new Date(entry.periodEnd).getTime()).toBeGreaterThanOrEqual(
        new Date(entry.periodStart).getTime(),
      );
      const stripeInvoice = stripeInvoices.find((candidate) => candidate.id === entry.id);
      expect(entry.total).toBe(stripeInvoice?.total);
      expect(entry.invoicePdfUrl).toBe(stripeInvoice?.invoice_pdf);
    }
    const issued = all.data.map((entry) => new Date(entry.issuedAt).getTime());
    expect([...issued].sort((a, b) => b - a)).toEqual(issued);

    // Page by one: the same invoices, in the same order, no repeats.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await invoices(auth, { limit: 1, ...(cursor === null ? {} : { cursor }) });
      seen.push(...page.data.map((entry) => entry.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.data.map((entry) => entry.id));

    const paid = await invoices(auth, { status: 'paid', limit: 100 });
    expect(paid.data.every((entry) => entry.status === 'paid')).toBe(true);

    // Subscription payments link to their invoice's PDF too.
    const history = (
      await t.http.get('/api/payments').query({ type: 'SUBSCRIPTION' }).set(auth).expect(200)
    ).body as { data: PaymentBody[] };
    const withInvoice = history.data.filter((row) => row.invoiceId !== null);
    expect(withInvoice.length).toBeGreaterThan(0);
    for (const row of withInvoice) expect(row.invoicePdfUrl).toMatch(/\/pdf$/);
  });

  it("refuses another account's invoice (404) and bad input (400); members of an org may read", async () => {
    const owner = newUser('owner');
    const ownerAuth = bearer(signToken(owner));
    await buy(ownerAuth, 'price_credits_1000');
    const [invoice] = (await invoices(ownerAuth)).data;

    const stranger = bearer(signToken(newUser('stranger')));
    const refused = await t.http.get(`/api/invoices/${invoice.id}`).set(stranger).expect(404);
    expect(refused.body).toMatchObject({ success: false, error_code: 'INVOICE_NOT_FOUND' });
    expect((await invoices(stranger)).data).toEqual([]);

    await t.http.get('/api/invoices/in_doesnotexist').set(ownerAuth).expect(404);
    const bad = await t.http.get('/api/invoices/not-an-invoice').set(ownerAuth).expect(400);
    expect(bad.body.error_code).toBe('VALIDATION_FAILED');
    for (const query of [
      { limit: 0 },
      { limit: 101 },
      { status: 'draft' },
      { cursor: 'nope!' },
      { other: 1 },
    ]) {
      const res = await t.http.get('/api/invoices').query(query).set(ownerAuth);
      expect(res.status).toBe(400);
    }
    await t.http.get('/api/invoices').expect(401);

    // An organisation's invoices: the billing admin buys, a plain member reads (like /payments).
    const org = `org_${Date.now()}`;
    const admin = bearer(signToken({ ...newUser('org-admin'), org_id: org, org_role: 'admin' }));
    const member = bearer(signToken({ ...newUser('org-member'), org_id: org, org_role: 'member' }));
    await buy(admin, 'price_credits_1000');
    const orgInvoices = (await invoices(member)).data;
    expect(orgInvoices).toHaveLength(1);
    await t.http.get(`/api/invoices/${orgInvoices[0].id}`).set(member).expect(200);
    await t.http.get(`/api/invoices/${orgInvoices[0].id}`).set(ownerAuth).expect(404);
  });
});
