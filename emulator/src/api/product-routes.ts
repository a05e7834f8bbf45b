import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';
import { PRICE_DATA, priceInput } from './price-routes';
import { SEARCH_PARAMS, plainFields, search } from './search';

const PRODUCT_FIELDS: ParamShape = {
  name: p.string(),
  description: p.string(),
  active: p.boolean(),
  metadata: p.metadata(),
  images: p.list(p.string()),
  url: p.string(),
  unit_label: p.string(),
  statement_descriptor: p.string(),
  marketing_features: p.list(p.object({ name: p.string().required() })),
  tax_code: p.string(),
};

/** On update, Stripe lets these be unset with an empty value. */
const PRODUCT_UPDATE: ParamShape = {
  ...PRODUCT_FIELDS,
  description: p.string().unsettable(),
  images: p.list(p.string()).unsettable(),
  url: p.string().unsettable(),
  unit_label: p.string().unsettable(),
  marketing_features: p.list(p.object({ name: p.string().required() })).unsettable(),
  default_price: p.string(),
  tax_code: p.string().unsettable(),
};

const SEARCH_FIELDS = plainFields('active', 'description', 'name', 'shippable', 'url');

function marketingFeatures(params: RequestParams): string[] | undefined {
  if (!params.has('marketing_features')) return undefined;
  return params.objectArray('marketing_features').map((feature) => feature.requiredString('name'));
}

export function productEndpoints(domain: StripeDomain): Endpoint[] {
  const { products, core } = domain;
  const state = core.state;
  return [
    {
      method: 'POST',
      path: '/v1/products',
      params: {
        ...PRODUCT_FIELDS,
        name: p.string().required(),
        id: p.string(),
        default_price_data: p.object(PRICE_DATA),
      },
      handler: ({ params }) => {
        const defaultPriceData = params.object('default_price_data');
        return products.create({
          id: params.string('id'),
          name: params.requiredString('name'),
          description: params.nullableString('description'),
          active: params.boolean('active'),
          metadata: params.metadata(),
          images: params.has('images') ? params.stringArray('images') : undefined,
          url: params.nullableString('url'),
          unitLabel: params.nullableString('unit_label'),
          statementDescriptor: params.nullableString('statement_descriptor'),
          taxCode: params.string('tax_code'),
          marketingFeatures: marketingFeatures(params),
          defaultPriceData:
            defaultPriceData === undefined ? undefined : priceInput(defaultPriceData),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/products/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) =>
        search(state.products.newestFirst(), params, 'products', SEARCH_FIELDS),
    },
    {
      method: 'GET',
      path: '/v1/products/:id',
      params: {},
      handler: ({ pathParams }) => products.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/products/:id',
      params: PRODUCT_UPDATE,
      handler: ({ pathParams, params }) => {
        const product = products.get(pathParams.id);
        return products.update(pathParams.id, {
          name: params.string('name'),
          description: params.nullableString('description'),
          active: params.boolean('active'),
          metadata: params.metadata(product.metadata),
          defaultPrice: params.nullableString('default_price'),
          images: params.has('images') ? params.stringArray('images') : undefined,
          url: params.nullableString('url'),
          unitLabel: params.nullableString('unit_label'),
          statementDescriptor: params.nullableString('statement_descriptor'),
          taxCode: params.nullableString('tax_code'),
          marketingFeatures: marketingFeatures(params),
        });
      },
    },
    {
      method: 'DELETE',
      path: '/v1/products/:id',
      params: {},
      handler: ({ pathParams }) => products.delete(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/products',
      params: { ...PAGINATION, ...CREATED_FILTER, active: p.boolean(), ids: p.list(p.string()) },
      handler: ({ params }) => {
        const active = params.boolean('active');
        const ids = params.has('ids') ? new Set(params.stringArray('ids')) : null;
        const created = params.range('created');
        return state.products.page(
          pageRequest(params),
          '/v1/products',
          (product) =>
            (active === undefined || product.active === active) &&
            (ids === null || ids.has(product.id)) &&
            (created === undefined || created(product.created)),
        );
      },
    },
  ];
}
