import type { PromotionCodeInput } from '../billing/promotion-codes';
import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

function restrictionsInput(params: RequestParams): PromotionCodeInput['restrictions'] {
  const restrictions = params.object('restrictions');
  if (restrictions === undefined) return undefined;
  return {
    firstTimeTransaction: restrictions.boolean('first_time_transaction'),
    minimumAmount: restrictions.integer('minimum_amount'),
    minimumAmountCurrency: restrictions.string('minimum_amount_currency'),
  };
}

export function promotionCodeEndpoints(domain: StripeDomain): Endpoint[] {
  const { promotionCodes, core } = domain;
  return [
    {
      method: 'POST',
      path: '/v1/promotion_codes',
      params: {
        // This API version's shape: `promotion[type]=coupon&promotion[coupon]=…`.
        promotion: p
          .object({ type: p.enum(['coupon']).required(), coupon: p.string().required() })
          .required(),
        code: p.string(),
        active: p.boolean(),
        customer: p.string(),
        expires_at: p.timestamp(),
        max_redemptions: p.integer(),
        metadata: p.metadata(),
        restrictions: p.object({
          first_time_transaction: p.boolean(),
          minimum_amount: p.integer(),
          minimum_amount_currency: p.string(),
        }),
      },
      handler: ({ params }) =>
        promotionCodes.create({
          coupon: params.object('promotion')?.requiredString('coupon') ?? '',
          code: params.string('code'),
          active: params.boolean('active'),
          customer: params.nullableString('customer'),
          expiresAt: params.integer('expires_at'),
          maxRedemptions: params.integer('max_redemptions'),
          metadata: params.metadata(),
          restrictions: restrictionsInput(params),
        }),
    },
    {
      method: 'GET',
      path: '/v1/promotion_codes/:id',
      params: {},
      handler: ({ pathParams }) => promotionCodes.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/promotion_codes/:id',
      params: { active: p.boolean(), metadata: p.metadata() },
      handler: ({ pathParams, params }) =>
        promotionCodes.update(pathParams.id, {
          active: params.boolean('active'),
          metadata: params.metadata(promotionCodes.get(pathParams.id).metadata ?? {}),
        }),
    },
    {
      method: 'GET',
      path: '/v1/promotion_codes',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        code: p.string(),
        active: p.boolean(),
        coupon: p.string(),
        customer: p.string(),
      },
      handler: ({ params }) => {
        const code = params.string('code');
        const active = params.boolean('active');
        const coupon = params.string('coupon');
        const customer = params.string('customer');
        const created = params.range('created');
        return core.state.promotionCodes.page(
          pageRequest(params),
          '/v1/promotion_codes',
          (promotion) =>
            (code === undefined || promotion.code === code) &&
            (active === undefined || promotion.active === active) &&
            (coupon === undefined || promotionCodes.couponIdOf(promotion) === coupon) &&
            (customer === undefined || promotion.customer === customer) &&
            (created === undefined || created(promotion.created)),
        );
      },
    },
  ];
}
