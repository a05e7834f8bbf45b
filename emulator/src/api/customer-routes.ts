import type { AddressInput, CustomerInput } from '../billing/customers';
import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { ADDRESS, CREATED_FILTER, SHIPPING } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';
import { SEARCH_PARAMS, plainFields, search } from './search';

const CUSTOMER_FIELDS: ParamShape = {
  email: p.string(),
  name: p.string(),
  description: p.string(),
  phone: p.string(),
  metadata: p.metadata(),
  invoice_settings: p.object({ default_payment_method: p.string() }),
  address: ADDRESS.unsettable(),
  shipping: SHIPPING.unsettable(),
  tax_exempt: p.enum(['none', 'exempt', 'reverse']).unsettable(),
  preferred_locales: p.list(p.string()),
};

/** The fields create and update share, read from the request. */
function customerFields(params: RequestParams): CustomerInput {
  const address = (key: string, from: RequestParams): AddressInput | null | undefined => {
    if (from.isUnset(key)) return null;
    const value = from.object(key);
    return value === undefined ? undefined : value.tree;
  };
  const shipping = params.object('shipping');
  return {
    email: params.string('email'),
    name: params.string('name'),
    description: params.string('description'),
    phone: params.string('phone'),
    address: address('address', params),
    shipping: params.isUnset('shipping')
      ? null
      : shipping === undefined
        ? undefined
        : {
            address: address('address', shipping) ?? {},
            name: shipping.requiredString('name'),
            phone: shipping.string('phone'),
          },
    taxExempt: params.isUnset('tax_exempt') ? 'none' : params.string('tax_exempt'),
    preferredLocales: params.has('preferred_locales')
      ? params.stringArray('preferred_locales')
      : undefined,
    defaultPaymentMethod: params.object('invoice_settings')?.string('default_payment_method'),
  };
}

const SEARCH_FIELDS = plainFields('created', 'email', 'name', 'phone');

export function customerEndpoints(domain: StripeDomain): Endpoint[] {
  const { customers, core, taxIds } = domain;
  const state = core.state;
  return [
    {
      method: 'POST',
      path: '/v1/customers/:id/tax_ids',
      params: { type: p.string().required(), value: p.string().required() },
      handler: ({ pathParams, params }) =>
        taxIds.create(pathParams.id, params.requiredString('type'), params.requiredString('value')),
    },
    {
      method: 'GET',
      path: '/v1/customers/:id/tax_ids',
      params: PAGINATION,
      handler: ({ pathParams, params }) => {
        customers.get(pathParams.id, 'customer');
        return state.taxIds.page(
          pageRequest(params),
          `/v1/customers/${pathParams.id}/tax_ids`,
          (taxId) => taxId.customer === pathParams.id,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/customers/:customer/tax_ids/:id',
      params: {},
      handler: ({ pathParams }) => taxIds.getFor(pathParams.customer, pathParams.id),
    },
    {
      method: 'DELETE',
      path: '/v1/customers/:customer/tax_ids/:id',
      params: {},
      handler: ({ pathParams }) => taxIds.delete(pathParams.customer, pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/tax_ids/:id',
      params: {},
      handler: ({ pathParams }) => taxIds.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/customers',
      params: { ...CUSTOMER_FIELDS, test_clock: p.string(), payment_method: p.string() },
      handler: ({ params }) =>
        customers.create({
          ...customerFields(params),
          metadata: params.metadata(),
          testClock: params.string('test_clock'),
          paymentMethod: params.string('payment_method'),
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
          ...customerFields(params),
          metadata: params.metadata(customer.metadata),
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
