import type { StripeDomain } from '../billing/stripe-domain';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';
import { SEARCH_PARAMS, plainFields, search } from './search';

const CUSTOMER_FIELDS: ParamShape = {
  email: p.string(),
  name: p.string(),
  description: p.string(),
  phone: p.string(),
  metadata: p.metadata(),
  invoice_settings: p.object({ default_payment_method: p.string() }),
};

const SEARCH_FIELDS = plainFields('created', 'email', 'name', 'phone');

export function customerEndpoints(domain: StripeDomain): Endpoint[] {
  const { customers, core } = domain;
  const state = core.state;
  return [
    {
      method: 'POST',
      path: '/v1/customers',
      params: { ...CUSTOMER_FIELDS, test_clock: p.string(), payment_method: p.string() },
      handler: ({ params }) =>
        customers.create({
          email: params.nullableString('email'),
          name: params.nullableString('name'),
          description: params.nullableString('description'),
          phone: params.nullableString('phone'),
          metadata: params.metadata(),
          testClock: params.string('test_clock'),
          paymentMethod: params.string('payment_method'),
          defaultPaymentMethod: params
            .object('invoice_settings')
            ?.nullableString('default_payment_method'),
        }),
    },
    {
      method: 'GET',
      path: '/v1/customers/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) =>
        search(state.customers.newestFirst(), params, 'customers', SEARCH_FIELDS),
    },
    {
      method: 'GET',
      path: '/v1/customers/:id',
      params: {},
      handler: ({ pathParams }) =>
        // Stripe still answers for a deleted customer, with a stub.
        state.deletedCustomers.has(pathParams.id)
          ? { id: pathParams.id, object: 'customer', deleted: true }
          : customers.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/customers/:id',
      params: CUSTOMER_FIELDS,
      handler: ({ pathParams, params }) => {
        const customer = customers.get(pathParams.id);
        return customers.update(pathParams.id, {
          email: params.nullableString('email'),
          name: params.nullableString('name'),
          description: params.nullableString('description'),
          phone: params.nullableString('phone'),
          metadata: params.metadata(customer.metadata),
          defaultPaymentMethod: params
            .object('invoice_settings')
            ?.nullableString('default_payment_method'),
        });
      },
    },
    {
      method: 'DELETE',
      path: '/v1/customers/:id',
      params: {},
      handler: ({ pathParams }) => customers.delete(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/customers',
      params: { ...PAGINATION, ...CREATED_FILTER, email: p.string(), test_clock: p.string() },
      handler: ({ params }) => {
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
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:id/payment_methods',
      params: { ...PAGINATION, type: p.enum(['card']) },
      handler: ({ pathParams, params }) => {
        customers.get(pathParams.id, 'customer');
        return state.paymentMethods.page(
          pageRequest(params),
          `/v1/customers/${pathParams.id}/payment_methods`,
          (method) => method.customer === pathParams.id,
        );
      },
    },
  ];
}
