import Stripe from 'stripe';
import { sdkFor, startHarness, type Harness } from './support/harness';

describe('Stripe wire protocol', () => {
  let harness: Harness;
  let stripe: Stripe;

  beforeAll(async () => {
    harness = await startHarness();
    stripe = harness.stripe;
  });
  afterAll(() => harness.close());

  it('rejects a missing or non-test key with an authentication error in Stripe’s shape', async () => {
    const response = await fetch(`${harness.emulator.url}/v1/customers`);
    expect(response.status).toBe(401);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/did not provide an API key/);

    await expect(sdkFor(harness.emulator, 'sk_live_nope').customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('accepts only the configured key when one is set', async () => {
    const strict = await startHarness({ apiKey: 'sk_test_only_this' });
    try {
      await expect(
        sdkFor(strict.emulator, 'sk_test_other').customers.list(),
      ).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      await expect(
        sdkFor(strict.emulator, 'sk_test_only_this').customers.list(),
      ).resolves.toMatchObject({ object: 'list' });
    } finally {
      await strict.close();
    }
  });

  it('answers unknown parameters with parameter_unknown and the param name', async () => {
    const error = await stripe.customers
      .create({ emial: 'a@b.c' } as Stripe.CustomerCreateParams)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'parameter_unknown', param: 'emial', statusCode: 400 });
  });

  it('answers missing required parameters with parameter_missing', async () => {
    const error = await stripe.products
      .create({} as Stripe.ProductCreateParams)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ code: 'parameter_missing', param: 'name' });
  });

  it('answers unknown ids with resource_missing, param id and Stripe’s message', async () => {
    const error = await stripe.customers.retrieve('cus_x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      code: 'resource_missing',
      param: 'id',
      statusCode: 404,
      message: "No such customer: 'cus_x'",
    });
  });

  it('answers unknown routes with 404', async () => {
    const response = await fetch(`${harness.emulator.url}/v1/nothing_here`, {
      headers: { authorization: 'Bearer sk_test_1' },
    });
    expect(response.status).toBe(404);
  });

  it('parses bracketed form bodies: metadata, nested arrays, expand[] and empty-string unsets', async () => {
    const product = await stripe.products.create({ name: 'Form', metadata: { a: '1', b: '2' } });
    const updated = await stripe.products.update(product.id, {
      metadata: { a: '' },
      description: 'x',
    });
    expect(updated.metadata).toEqual({ b: '2' });
    const cleared = await stripe.products.update(product.id, { description: '' });
    expect(cleared.description).toBeNull();
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 500,
      recurring: { interval: 'month', interval_count: 3 },
    });
    expect(price.recurring).toMatchObject({ interval: 'month', interval_count: 3 });
    const raw = await fetch(`${harness.emulator.url}/v1/prices/${price.id}?expand[0]=product`, {
      headers: { authorization: 'Bearer sk_test_1' },
    });
    expect(((await raw.json()) as { product: { id: string } }).product.id).toBe(product.id);
    const rawArray = await fetch(`${harness.emulator.url}/v1/prices/${price.id}?expand[]=product`, {
      headers: { authorization: 'Bearer sk_test_1' },
    });
    expect(((await rawArray.json()) as { product: { name: string } }).product.name).toBe('Form');
  });

  it('replays an idempotent request and rejects the same key with another body', async () => {
    const first = await stripe.customers.create(
      { email: 'idem@example.com' },
      { idempotencyKey: 'key-1' },
    );
    const replay = await stripe.customers.create(
      { email: 'idem@example.com' },
      { idempotencyKey: 'key-1' },
    );
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(first.lastResponse.requestId).toMatch(/^req_/);

    const error = await stripe.customers
      .create({ email: 'other@example.com' }, { idempotencyKey: 'key-1' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  });

  it('paginates newest first with limit, starting_after and ending_before', async () => {
    const created: string[] = [];
    for (let i = 0; i < 25; i += 1)
      created.push(
        (
          await stripe.customers.create({
            email: `page-${i}@example.com`,
            metadata: { batch: 'paging' },
          })
        ).id,
      );
    const newestFirst = [...created].reverse();

    const first = await stripe.customers.list({ limit: 10 });
    expect(first.object).toBe('list');
    expect(first.url).toBe('/v1/customers');
    expect(first.has_more).toBe(true);
    expect(first.data.map((customer) => customer.id)).toEqual(newestFirst.slice(0, 10));

    const second = await stripe.customers.list({ limit: 10, starting_after: first.data[9].id });
    expect(second.data.map((customer) => customer.id)).toEqual(newestFirst.slice(10, 20));

    const back = await stripe.customers.list({ limit: 5, ending_before: second.data[0].id });
    expect(back.data.map((customer) => customer.id)).toEqual(newestFirst.slice(5, 10));

    const all: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 7 })) {
      if (customer.metadata.batch === 'paging') all.push(customer.id);
    }
    expect(all).toEqual(newestFirst);

    const defaultPage = await stripe.customers.list();
    expect(defaultPage.data).toHaveLength(10);
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
  });

  it('echoes Stripe-Version into the api_version of events, defaulting to the SDK’s version', async () => {
    const pinned = new Stripe('sk_test_1', {
      host: '127.0.0.1',
      port: harness.emulator.port,
      protocol: 'http',
      apiVersion: '2025-01-27.acacia' as Stripe.LatestApiVersion,
    });
    const customer = await pinned.customers.create({ email: 'version@example.com' });
    const events = await stripe.events.list({ type: 'customer.created', limit: 10 });
    const event = events.data.find(
      (candidate) => (candidate.data.object as Stripe.Customer).id === customer.id,
    );
    expect(event?.api_version).toBe('2025-01-27.acacia');
    expect(event?.request).toMatchObject({ id: customer.lastResponse.requestId });

    const other = await stripe.customers.create({ email: 'default-version@example.com' });
    const otherEvent = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data[0];
    expect((otherEvent.data.object as Stripe.Customer).id).toBe(other.id);
    expect(otherEvent.api_version).toBe(Stripe.API_VERSION);
  });

  it('expands nested paths on retrieve and list', async () => {
    const product = await stripe.products.create({ name: 'Expandable' });
    await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 100,
      lookup_key: 'expand_me',
    });
    const list = await stripe.prices.list({ lookup_keys: ['expand_me'], expand: ['data.product'] });
    expect((list.data[0].product as Stripe.Product).name).toBe('Expandable');
    await expect(
      stripe.prices.retrieve(list.data[0].id, { expand: ['nickname'] }),
    ).rejects.toMatchObject({ param: 'expand' });
  });
});
