import type { StripeDomain } from '../billing/stripe-domain';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

export function couponEndpoints(domain: StripeDomain): Endpoint[] {
  const { coupons, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/coupons',
      params: {
        id: p.string(),
        name: p.string(),
        percent_off: p.decimal(),
        amount_off: p.integer(),
        currency: p.string(),
        duration: p.enum(['once', 'forever', 'repeating']),
        duration_in_months: p.integer(),
        max_redemptions: p.integer(),
        redeem_by: p.timestamp(),
        metadata: p.metadata(),
        applies_to: p.object({ products: p.list(p.string()) }),
      },
      handler: ({ params }) =>
        coupons.create({
          id: params.string('id'),
          name: params.nullableString('name'),
          percentOff: params.decimal('percent_off'),
          amountOff: params.integer('amount_off'),
          currency: params.string('currency'),
          duration: params.enumOf('duration', ['once', 'forever', 'repeating'] as const),
          durationInMonths: params.integer('duration_in_months'),
          maxRedemptions: params.integer('max_redemptions'),
          redeemBy: params.integer('redeem_by'),
          metadata: params.metadata(),
          appliesToProducts: params.object('applies_to')?.stringArray('products'),
        }),
    },
    {
      method: 'GET',
      path: '/v1/coupons/:id',
      params: {},
      handler: ({ pathParams }) => coupons.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/coupons/:id',
      params: { name: p.string(), metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        coupons.update(pathParams.id, {
          name: params.nullableString('name'),
          metadata: params.metadata(coupons.get(pathParams.id).metadata ?? {}),
        }),
    },
    {
      method: 'DELETE',
      path: '/v1/coupons/:id',
      params: {},
      handler: ({ pathParams }) => coupons.delete(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/coupons',
      params: { ...PAGINATION, ...CREATED_FILTER },
      handler: ({ params }) => {
        const created = params.range('created');
        return core.state.coupons.page(
          pageRequest(params),
          '/v1/coupons',
          (coupon) => created === undefined || created(coupon.created),
        );
      },
    },
  ];
}
