import type { StripeDomain } from '../billing/stripe-domain';
import { TAX_TYPES, type TaxRateInput } from '../billing/tax-rates';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';

const LABELS: ParamShape = {
  active: p.boolean(),
  country: p.string(),
  state: p.string(),
  jurisdiction: p.string(),
  description: p.string(),
  display_name: p.string(),
  tax_type: p.enum(TAX_TYPES),
  metadata: p.metadata(),
};

function labels(params: RequestParams): TaxRateInput {
  return {
    active: params.boolean('active'),
    country: params.string('country'),
    state: params.string('state'),
    jurisdiction: params.string('jurisdiction'),
    description: params.string('description'),
    displayName: params.string('display_name'),
    taxType: params.string('tax_type'),
  };
}

export function taxRateEndpoints(domain: StripeDomain): Endpoint[] {
  const { taxRates, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/tax_rates',
      params: {
        ...LABELS,
        display_name: p.string().required(),
        percentage: p.decimal().required(),
        inclusive: p.boolean().required(),
      },
      handler: ({ params }) =>
        taxRates.create({
          ...labels(params),
          percentage: params.decimal('percentage'),
          inclusive: params.boolean('inclusive'),
          metadata: params.metadata(),
        }),
    },
    {
      method: 'GET',
      path: '/v1/tax_rates/:id',
      params: {},
      handler: ({ pathParams }) => taxRates.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/tax_rates/:id',
      params: { ...LABELS, metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        taxRates.update(pathParams.id, {
          ...labels(params),
          metadata: params.metadata(taxRates.get(pathParams.id).metadata ?? {}),
        }),
    },
    {
      method: 'GET',
      path: '/v1/tax_rates',
      params: { ...PAGINATION, ...CREATED_FILTER, active: p.boolean(), inclusive: p.boolean() },
      handler: ({ params }) => {
        const active = params.boolean('active');
        const inclusive = params.boolean('inclusive');
        const created = params.range('created');
        return core.state.taxRates.page(
          pageRequest(params),
          '/v1/tax_rates',
          (rate) =>
            (active === undefined || rate.active === active) &&
            (inclusive === undefined || rate.inclusive === inclusive) &&
            (created === undefined || created(rate.created)),
        );
      },
    },
  ];
}
