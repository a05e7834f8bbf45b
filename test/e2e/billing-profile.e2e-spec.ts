import type Stripe from 'stripe';
import { control, emulatorStripe, flushWebhooks } from '../support/emulator-control';
import { expectEnvelope } from '../support/envelope';
import { startTestService, type TestService } from '../support/test-service';
import { bearer, newUser, signToken } from '../support/tokens';

interface ProfileBody {
  name: string | null;
  email: string | null;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    state: string | null;
    postalCode: string | null;
    country: string | null;
  } | null;
  taxIds: { id: string; type: string; value: string; country: string | null }[];
}

interface InvoiceBody {
  subtotal: number;
  taxAmount: number;
  total: number;
  amountPaid: number;
  lines: { amount: number; taxAmount: number }[];
}

const BERLIN = {
  line1: 'Unter den Linden 1',
  city: 'Berlin',
  postal_code: '10117',
  country: 'DE',
};

describe('tax and customer details: automatic tax at checkout, GET/PATCH /api/billing-profile', () => {
  let t: TestService;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await startTestService({
      TRIAL_DAYS: '0',
      CHECKOUT_AUTOMATIC_TAX: 'true',
      CHECKOUT_TAX_ID_COLLECTION: 'true',
    });
    stripe = emulatorStripe(t.service);
    await flushWebhooks(t.service);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A user who bought Pro monthly (29.00) through Checkout, giving a Berlin business address. */
  async function buyInGermany(): Promise<{ auth: Record<string, string>; customerId: string }> {
    const auth = bearer(signToken(newUser('tax')));
    const res = await t.http
      .post('/api/checkout/sessions')
      .set(auth)
      .send({ priceId: 'price_pro_monthly' })
      .expect(201);
    const sessionId = (res.body as { sessionId: string }).sessionId;
    const open = await stripe.checkout.sessions.retrieve(sessionId);
    expect(open.automatic_tax).toMatchObject({ enabled: true, status: 'requires_location_inputs' });
    expect(open.tax_id_collection?.enabled).toBe(true);
    const paid = await control(t.service, `/checkout/sessions/${sessionId}/complete`, {
      card: '4242424242424242',
      address: BERLIN,
      businessName: 'Beispiel GmbH',
      taxId: { type: 'eu_vat', value: 'DE123456789' },
    });
    expect(paid).toMatchObject({ status: 'complete', total_details: { amount_tax: 551 } });
    await flushWebhooks(t.service);
    return { auth, customerId: (paid as { customer: string }).customer };
  }

  async function profile(auth: Record<string, string>): Promise<ProfileBody> {
    const res = await t.http.get('/api/billing-profile').set(auth).expect(200);
    return res.body as ProfileBody;
  }

  it('a checkout in Germany is taxed at 19 %, visible in /api/invoices, and fills the profile', async () => {
    const { auth } = await buyInGermany();
    const invoices = await t.http.get('/api/invoices').set(auth).expect(200);
    const [invoice] = (invoices.body as { data: InvoiceBody[] }).data;
    expect(invoice).toMatchObject({
      subtotal: 2900,
      taxAmount: 551,
      total: 3451,
      amountPaid: 3451,
    });
    expect(invoice.lines).toEqual([expect.objectContaining({ amount: 2900, taxAmount: 551 })]);

    expect(await profile(auth)).toEqual({
      name: 'Beispiel GmbH',
      email: expect.any(String) as string,
      address: {
        line1: 'Unter den Linden 1',
        line2: null,
        city: 'Berlin',
        state: null,
        postalCode: '10117',
        country: 'DE',
      },
      taxIds: [expect.objectContaining({ type: 'eu_vat', value: 'DE123456789', country: 'DE' })],
    });
  });

  it('PATCH writes name, address and the tax id list to Stripe and the mirror', async () => {
    const { auth, customerId } = await buyInGermany();
    const res = await t.http
      .patch('/api/billing-profile')
      .set(auth)
      .send({
        name: 'Exemple SAS',
        address: { line1: '1 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
        taxIds: [{ type: 'eu_vat', value: 'fr 12 345678901' }],
      })
      .expect(200);
    const body = res.body as ProfileBody;
    expect(body).toMatchObject({
      name: 'Exemple SAS',
      address: { line1: '1 rue de Rivoli', line2: null, city: 'Paris', country: 'FR' },
      taxIds: [{ type: 'eu_vat', value: 'FR12345678901', country: 'FR' }],
    });

    const customer = (await stripe.customers.retrieve(customerId)) as Stripe.Customer;
    expect(customer).toMatchObject({
      name: 'Exemple SAS',
      address: { city: 'Paris', country: 'FR', postal_code: '75001' },
    });
    const atStripe = await stripe.customers.listTaxIds(customerId);
    expect(atStripe.data.map((taxId) => taxId.value)).toEqual(['FR12345678901']);

    // The webhooks of these changes arrive afterwards and leave the same profile.
    await flushWebhooks(t.service);
    expect(await profile(auth)).toMatchObject({
      name: 'Exemple SAS',
      taxIds: [{ id: atStripe.data[0].id, value: 'FR12345678901' }],
    });
    const rows = await t.prisma.customerTaxId.findMany({ where: { stripeCustomerId: customerId } });
    expect(rows.map((row) => row.value)).toEqual(['FR12345678901']);

    // Keeping a tax id (same value, other spelling) keeps the same Stripe tax id; null clears.
    const kept = await t.http
      .patch('/api/billing-profile')
      .set(auth)
      .send({ taxIds: [{ type: 'eu_vat', value: 'FR 12345678901' }] })
      .expect(200);
    expect(kept.body).toMatchObject({
      name: 'Exemple SAS',
      taxIds: [{ id: atStripe.data[0].id }],
    });
    const cleared = await t.http
      .patch('/api/billing-profile')
      .set(auth)
      .send({ address: null, taxIds: [] })
      .expect(200);
    expect(cleared.body).toMatchObject({ address: null, taxIds: [] });
    expect(((await stripe.customers.retrieve(customerId)) as Stripe.Customer).address).toBeNull();
  });

  it('a change made at Stripe (the portal, the dashboard) reaches the profile by webhook', async () => {
    const { auth, customerId } = await buyInGermany();
    await stripe.customers.update(customerId, {
      name: 'Example Ltd',
      address: { line1: '10 Downing St', city: 'London', postal_code: 'SW1A 2AA', country: 'GB' },
    });
    const added = await stripe.customers.createTaxId(customerId, {
      type: 'gb_vat',
      value: 'GB123456789',
    });
    const [old] = (await stripe.customers.listTaxIds(customerId)).data.filter(
      (taxId) => taxId.type === 'eu_vat',
    );
    await stripe.customers.deleteTaxId(customerId, old.id);
    await flushWebhooks(t.service);
    expect(await profile(auth)).toMatchObject({
      name: 'Example Ltd',
      address: { city: 'London', postalCode: 'SW1A 2AA', country: 'GB' },
      taxIds: [{ id: added.id, type: 'gb_vat', value: 'GB123456789', country: 'GB' }],
    });
  });

  it('a tax id Stripe refuses is 400 INVALID_TAX_ID and changes nothing, at Stripe or here', async () => {
    const { auth, customerId } = await buyInGermany();
    const before = await profile(auth);
    const taxIdsBefore = (await stripe.customers.listTaxIds(customerId)).data.map((x) => x.id);
    const res = await t.http
      .patch('/api/billing-profile')
      .set(auth)
      .send({
        name: 'Should Not Stick',
        address: { city: 'Vienna', country: 'AT' },
        // The first is valid and accepted by Stripe, then taken back when the second is refused.
        taxIds: [
          { type: 'gb_vat', value: 'GB987654321' },
          { type: 'eu_vat', value: 'DE12' },
        ],
      })
      .expect(400);
    expectEnvelope(res.body as Record<string, unknown>, 400, 'INVALID_TAX_ID');
    expect((res.body as { details: unknown[] }).details).toEqual([
      { field: 'taxIds[1]', message: 'tax_id_invalid' },
    ]);
    await flushWebhooks(t.service);
    expect(await profile(auth)).toEqual(before);
    const customer = (await stripe.customers.retrieve(customerId)) as Stripe.Customer;
    expect(customer.name).toBe('Beispiel GmbH');
    expect(customer.address?.country).toBe('DE');
    expect((await stripe.customers.listTaxIds(customerId)).data.map((x) => x.id)).toEqual(
      taxIdsBefore,
    );
  });

  it('validates input before calling Stripe', async () => {
    const { auth } = await buyInGermany();
    for (const body of [
      { address: { city: 'Berlin', country: 'de' } },
      { address: { city: 'Berlin' } },
      { taxIds: [{ type: 'EU VAT', value: 'DE123456789' }] },
      { taxIds: [{ type: 'eu_vat', value: '' }] },
      { name: '' },
      { name: null },
      { email: 'someone@else.example' },
    ]) {
      const res = await t.http.patch('/api/billing-profile').set(auth).send(body).expect(400);
      expectEnvelope(res.body as Record<string, unknown>, 400, 'VALIDATION_FAILED');
    }
    expect((await profile(auth)).name).toBe('Beispiel GmbH');
  });

  it('needs a billing role on organisations, and a Stripe customer', async () => {
    const org = `org_${Math.random().toString(36).slice(2, 10)}`;
    const member = bearer(signToken({ ...newUser('member'), org_id: org, org_role: 'member' }));
    for (const call of [
      t.http.get('/api/billing-profile').set(member),
      t.http.patch('/api/billing-profile').set(member).send({ name: 'Nope' }),
    ]) {
      const res = await call.expect(403);
      expectEnvelope(res.body as Record<string, unknown>, 403, 'BILLING_ROLE_REQUIRED');
    }
    // An owner of the same organisation, before its first checkout: no Stripe customer yet.
    const owner = bearer(signToken({ ...newUser('owner'), org_id: org, org_role: 'owner' }));
    const missing = await t.http.get('/api/billing-profile').set(owner).expect(404);
    expectEnvelope(missing.body as Record<string, unknown>, 404, 'BILLING_PROFILE_NOT_FOUND');
    const conflict = await t.http
      .patch('/api/billing-profile')
      .set(owner)
      .send({ name: 'Acme' })
      .expect(409);
    expectEnvelope(conflict.body as Record<string, unknown>, 409, 'NO_BILLING_CUSTOMER');
    await t.http.get('/api/billing-profile').expect(401);
  });
});
