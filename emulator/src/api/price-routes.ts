import type Stripe from 'stripe';
import type { PriceInput } from '../billing/prices';
import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';
import { SEARCH_PARAMS, plainFields, search } from './search';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;
const TAX_BEHAVIOR = p.enum(['inclusive', 'exclusive', 'unspecified']);

const RECURRING = {
  interval: p.enum(INTERVALS).required(),
  interval_count: p.integer(),
};

/** What a new price is made of (also `default_price_data` on a product). */
export const PRICE_DATA: ParamShape = {
  currency: p.string().required(),
  unit_amount: p.integer(),
  unit_amount_decimal: p.decimal(),
  recurring: p.object(RECURRING),
  metadata: p.metadata(),
  tax_behavior: TAX_BEHAVIOR,
};

const PRICE_UPDATE: ParamShape = {
  active: p.boolean(),
  nickname: p.string(),
  lookup_key: p.string(),
  transfer_lookup_key: p.boolean(),
  metadata: p.metadata(),
  tax_behavior: TAX_BEHAVIOR,
};

const SEARCH_FIELDS = plainFields('active', 'currency', 'lookup_key', 'product', 'type');

export function priceInput(params: RequestParams, current?: Stripe.Price): PriceInput {
  const recurring = params.object('recurring');
  const productData = params.object('product_data');
  return {
    product: params.string('product'),
    productData:
      productData === undefined
        ? undefined
        : { name: productData.requiredString('name'), metadata: productData.metadata() },
    currency: params.string('currency'),
    unitAmount:
      params.integer('unit_amount') ??
      (params.has('unit_amount_decimal')
        ? Math.round(params.decimal('unit_amount_decimal') ?? 0)
        : undefined),
    active: params.boolean('active'),
    nickname: params.nullableString('nickname'),
    lookupKey: params.nullableString('lookup_key'),
    transferLookupKey: params.boolean('transfer_lookup_key'),
    metadata: params.metadata(current?.metadata ?? {}),
    recurring:
      recurring === undefined
        ? undefined
        : {
            interval: recurring.enumOf('interval', INTERVALS) ?? 'month',
            intervalCount: recurring.integer('interval_count'),
            trialPeriodDays: recurring.integer('trial_period_days'),
          },
    taxBehavior: params.enumOf('tax_behavior', ['inclusive', 'exclusive', 'unspecified'] as const),
  };
}

export function priceEndpoints(domain: StripeDomain): Endpoint[] {
  const { prices, core } = domain;
  const state = core.state;
  return [
    {
      method: 'POST',
      path: '/v1/prices',
      params: {
        ...PRICE_DATA,
        ...PRICE_UPDATE,
        recurring: p.object({ ...RECURRING, trial_period_days: p.integer() }),
        product: p.string(),
        product_data: p.object({ name: p.string().required(), metadata: p.metadata() }),
      },
      handler: ({ params }) => prices.create(priceInput(params)),
    },
    {
      method: 'GET',
      path: '/v1/prices/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) => search(state.prices.newestFirst(), params, 'prices', SEARCH_FIELDS),
    },
    {
      method: 'GET',
      path: '/v1/prices/:id',
      params: {},
      handler: ({ pathParams }) => prices.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/prices/:id',
      params: PRICE_UPDATE,
      handler: ({ pathParams, params }) => {
        const input = priceInput(params, prices.get(pathParams.id));
        return prices.update(pathParams.id, {
          active: input.active,
          nickname: input.nickname,
          lookupKey: input.lookupKey,
          transferLookupKey: input.transferLookupKey,
          metadata: input.metadata,
          taxBehavior: input.taxBehavior,
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/prices',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        active: p.boolean(),
        product: p.string(),
        type: p.enum(['one_time', 'recurring']),
        currency: p.string(),
        lookup_keys: p.list(p.string()),
        recurring: p.object({ interval: p.enum(INTERVALS) }),
      },
      handler: ({ params }) => {
        const active = params.boolean('active');
        const product = params.string('product');
        const type = params.string('type');
        const currency = params.string('currency');
        const lookupKeys = params.has('lookup_keys')
          ? new Set(params.stringArray('lookup_keys'))
          : null;
        const interval = params.object('recurring')?.string('interval');
        const created = params.range('created');
        return state.prices.page(
          pageRequest(params),
          '/v1/prices',
          (price) =>
            (active === undefined || price.active === active) &&
            (product === undefined || price.product === product) &&
            (type === undefined || price.type === type) &&
            (currency === undefined || price.currency === currency) &&
            (lookupKeys === null ||
              (price.lookup_key !== null && lookupKeys.has(price.lookup_key))) &&
            (interval === undefined || price.recurring?.interval === interval) &&
            (created === undefined || created(price.created)),
        );
      },
    },
  ];
}
