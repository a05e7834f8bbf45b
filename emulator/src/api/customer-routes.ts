import type { CardInput } from '../billing/customers';
import { parameterMissing } from '../http/stripe-error';
import {
  PAGINATION_PARAMS,
  matchesSearch,
  pageRequest,
  parseSearchQuery,
  searchPage,
  type RouteRegistrar,
} from './api-call';

export const registerCustomerRoutes: RouteRegistrar = (router, domain) => {
  const { customers, core } = domain;
  const state = core.state;

  router.add('POST', '/v1/customers', ({ params }) => {
    params.allowOnly([
      'email',
      'name',
      'description',
      'phone',
      'metadata',
      'test_clock',
      'payment_method',
      'invoice_settings',
      'address',
      'preferred_locales',
      'shipping',
      'tax_exempt',
    ]);
    const invoiceSettings = params
      .object('invoice_settings')
      ?.allowOnly(['default_payment_method', 'custom_fields', 'footer', 'rendering_options']);
    return customers.create({
      email: params.nullableString('email'),
      name: params.nullableString('name'),
      description: params.nullableString('description'),
      phone: params.nullableString('phone'),
      metadata: params.metadata(),
      testClock: params.string('test_clock'),
      paymentMethod: params.string('payment_method'),
      defaultPaymentMethod: invoiceSettings?.nullableString('default_payment_method'),
    });
  });
  router.add('GET', '/v1/customers/search', ({ params }) => {
    params.allowOnly(['query', 'limit', 'page']);
    const clauses = parseSearchQuery(params.requiredString('query'));
    return searchPage(
      state.customers.newestFirst(),
      (customer) => matchesSearch(customer, clauses),
      params,
      '/v1/customers/search',
    );
  });
  router.add('GET', '/v1/customers/:id', ({ pathParams }) => {
    // Stripe still answers for a deleted customer, with a stub.
    if (state.deletedCustomers.has(pathParams.id))
      return { id: pathParams.id, object: 'customer', deleted: true };
    return customers.get(pathParams.id);
  });
  router.add('POST', '/v1/customers/:id', ({ pathParams, params }) => {
    params.allowOnly([
      'email',
      'name',
      'description',
      'phone',
      'metadata',
      'payment_method',
      'invoice_settings',
      'address',
      'preferred_locales',
      'shipping',
      'tax_exempt',
      'default_source',
    ]);
    const customer = customers.get(pathParams.id);
    const invoiceSettings = params
      .object('invoice_settings')
      ?.allowOnly(['default_payment_method', 'custom_fields', 'footer', 'rendering_options']);
    return customers.update(pathParams.id, {
      email: params.nullableString('email'),
      name: params.nullableString('name'),
      description: params.nullableString('description'),
      phone: params.nullableString('phone'),
      metadata: params.metadata(customer.metadata),
      paymentMethod: params.string('payment_method'),
      defaultPaymentMethod: invoiceSettings?.nullableString('default_payment_method'),
    });
  });
  router.add('DELETE', '/v1/customers/:id', ({ pathParams }) => customers.delete(pathParams.id));
  router.add('GET', '/v1/customers', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'email', 'created', 'test_clock']);
    const email = params.string('email');
    const testClock = params.string('test_clock');
    const created = params.range('created');
    return state.customers.page(
      pageRequest(params),
      '/v1/customers',
      (customer) =>
        (email === undefined || customer.email === email) &&
        (testClock === undefined || customer.test_clock === testClock) &&
        (created === undefined || created(customer.created)),
    );
  });
  router.add('GET', '/v1/customers/:id/payment_methods', ({ pathParams, params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'type', 'allow_redisplay']);
    customers.get(pathParams.id, 'customer');
    return state.paymentMethods.page(
      pageRequest(params),
      `/v1/customers/${pathParams.id}/payment_methods`,
      (method) => method.customer === pathParams.id,
    );
  });

  // --- payment methods
  router.add('POST', '/v1/payment_methods', ({ params }) => {
    params.allowOnly([
      'type',
      'card',
      'billing_details',
      'metadata',
      'customer',
      'payment_method',
      'allow_redisplay',
    ]);
    const type = params.requiredString('type');
    if (type !== 'card') throw parameterMissing('card');
    const card = params.object('card');
    if (card === undefined) throw parameterMissing('card');
    card.allowOnly(['number', 'exp_month', 'exp_year', 'cvc', 'token']);
    const token = card.string('token');
    if (token !== undefined) return customers.getPaymentMethod(token, 'card[token]');
    const input: CardInput = {
      number: card.requiredString('number'),
      expMonth: card.integer('exp_month'),
      expYear: card.integer('exp_year'),
      cvc: card.string('cvc'),
    };
    return customers.tokeniseCard(input, params.metadata() ?? {});
  });
  router.add('GET', '/v1/payment_methods/:id', ({ pathParams }) =>
    customers.getPaymentMethod(pathParams.id),
  );
  router.add('POST', '/v1/payment_methods/:id', ({ pathParams, params }) => {
    params.allowOnly(['metadata', 'billing_details', 'card', 'allow_redisplay']);
    const method = customers.getPaymentMethod(pathParams.id);
    const metadata = params.metadata(method.metadata ?? {});
    if (metadata !== undefined) method.metadata = metadata;
    return method;
  });
  router.add('POST', '/v1/payment_methods/:id/attach', ({ pathParams, params }) => {
    params.allowOnly(['customer']);
    return customers.attachPaymentMethod(
      pathParams.id,
      params.requiredString('customer'),
      'customer',
    );
  });
  router.add('POST', '/v1/payment_methods/:id/detach', ({ pathParams, params }) => {
    params.allowOnly([]);
    return customers.detachPaymentMethod(pathParams.id);
  });
  router.add('GET', '/v1/payment_methods', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'customer', 'type']);
    const customer = params.string('customer');
    return state.paymentMethods.page(
      pageRequest(params),
      '/v1/payment_methods',
      (method) => customer === undefined || method.customer === customer,
    );
  });
};
