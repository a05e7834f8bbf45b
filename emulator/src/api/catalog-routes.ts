import type Stripe from 'stripe';
import type { PriceInput } from '../billing/catalog';
import type { RequestParams } from '../http/request-params';
import {
  PAGINATION_PARAMS,
  matchesSearch,
  pageRequest,
  parseSearchQuery,
  searchPage,
  type RouteRegistrar,
} from './api-call';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;
const DURATIONS = ['once', 'forever', 'repeating'] as const;

function priceInput(params: RequestParams, current?: Stripe.Price): PriceInput {
  const recurring = params
    .object('recurring')
    ?.allowOnly(['interval', 'interval_count', 'trial_period_days', 'usage_type', 'meter']);
  const productData = params.object('product_data')?.allowOnly(['name', 'metadata', 'active']);
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

export const registerCatalogRoutes: RouteRegistrar = (router, domain) => {
  const { catalog, core } = domain;
  const state = core.state;

  // --- products
  router.add('POST', '/v1/products', ({ params }) => {
    params.allowOnly([
      'id',
      'name',
      'description',
      'active',
      'metadata',
      'default_price_data',
      'images',
      'url',
      'unit_label',
      'statement_descriptor',
      'tax_code',
      'marketing_features',
      'shippable',
      'type',
    ]);
    const defaultPriceData = params
      .object('default_price_data')
      ?.allowOnly([
        'currency',
        'unit_amount',
        'unit_amount_decimal',
        'recurring',
        'metadata',
        'tax_behavior',
      ]);
    return catalog.createProduct({
      id: params.string('id'),
      name: params.requiredString('name'),
      description: params.nullableString('description'),
      active: params.boolean('active'),
      metadata: params.metadata(),
      images: params.has('images') ? params.stringArray('images') : undefined,
      url: params.nullableString('url'),
      unitLabel: params.nullableString('unit_label'),
      statementDescriptor: params.nullableString('statement_descriptor'),
      taxCode: params.nullableString('tax_code'),
      marketingFeatures: params.has('marketing_features')
        ? params.objectArray('marketing_features').map((feature) => feature.requiredString('name'))
        : undefined,
      defaultPriceData: defaultPriceData === undefined ? undefined : priceInput(defaultPriceData),
    });
  });
  router.add('GET', '/v1/products/search', ({ params }) => {
    params.allowOnly(['query', 'limit', 'page']);
    const clauses = parseSearchQuery(params.requiredString('query'));
    return searchPage(
      state.products.newestFirst(),
      (product) => matchesSearch(product, clauses),
      params,
      '/v1/products/search',
    );
  });
  router.add('GET', '/v1/products/:id', ({ pathParams }) => catalog.getProduct(pathParams.id));
  router.add('POST', '/v1/products/:id', ({ pathParams, params }) => {
    params.allowOnly([
      'name',
      'description',
      'active',
      'metadata',
      'default_price',
      'images',
      'url',
      'unit_label',
      'statement_descriptor',
      'tax_code',
      'marketing_features',
      'shippable',
    ]);
    const product = catalog.getProduct(pathParams.id);
    return catalog.updateProduct(pathParams.id, {
      name: params.string('name'),
      description: params.nullableString('description'),
      active: params.boolean('active'),
      metadata: params.metadata(product.metadata),
      defaultPrice: params.nullableString('default_price'),
      images: params.has('images') ? params.stringArray('images') : undefined,
      url: params.nullableString('url'),
      unitLabel: params.nullableString('unit_label'),
      statementDescriptor: params.nullableString('statement_descriptor'),
      marketingFeatures: params.has('marketing_features')
        ? params.objectArray('marketing_features').map((feature) => feature.requiredString('name'))
        : undefined,
    });
  });
  router.add('DELETE', '/v1/products/:id', ({ pathParams }) =>
    catalog.deleteProduct(pathParams.id),
  );
  router.add('GET', '/v1/products', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'active', 'ids', 'created', 'shippable', 'url']);
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
  });

  // --- prices (Stripe offers no delete: archive with active=false)
  router.add('POST', '/v1/prices', ({ params }) => {
    params.allowOnly([
      'currency',
      'product',
      'product_data',
      'unit_amount',
      'unit_amount_decimal',
      'active',
      'nickname',
      'lookup_key',
      'transfer_lookup_key',
      'metadata',
      'recurring',
      'tax_behavior',
      'billing_scheme',
    ]);
    return catalog.createPrice(priceInput(params));
  });
  router.add('GET', '/v1/prices/search', ({ params }) => {
    params.allowOnly(['query', 'limit', 'page']);
    const clauses = parseSearchQuery(params.requiredString('query'));
    return searchPage(
      state.prices.newestFirst(),
      (price) => matchesSearch(price, clauses),
      params,
      '/v1/prices/search',
    );
  });
  router.add('GET', '/v1/prices/:id', ({ pathParams }) => catalog.getPrice(pathParams.id));
  router.add('POST', '/v1/prices/:id', ({ pathParams, params }) => {
    params.allowOnly([
      'active',
      'nickname',
      'lookup_key',
      'transfer_lookup_key',
      'metadata',
      'tax_behavior',
    ]);
    const price = catalog.getPrice(pathParams.id);
    const input = priceInput(params, price);
    return catalog.updatePrice(pathParams.id, {
      active: input.active,
      nickname: input.nickname,
      lookupKey: input.lookupKey,
      transferLookupKey: input.transferLookupKey,
      metadata: input.metadata,
      taxBehavior: input.taxBehavior,
    });
  });
  router.add('GET', '/v1/prices', ({ params }) => {
    params.allowOnly([
      ...PAGINATION_PARAMS,
      'active',
      'product',
      'type',
      'currency',
      'lookup_keys',
      'recurring',
      'created',
    ]);
    const active = params.boolean('active');
    const product = params.string('product');
    const type = params.enumOf('type', ['one_time', 'recurring'] as const);
    const currency = params.string('currency');
    const lookupKeys = params.has('lookup_keys')
      ? new Set(params.stringArray('lookup_keys'))
      : null;
    const interval = params
      .object('recurring')
      ?.allowOnly(['interval', 'usage_type', 'meter'])
      .enumOf('interval', INTERVALS);
    const created = params.range('created');
    return state.prices.page(
      pageRequest(params),
      '/v1/prices',
      (price) =>
        (active === undefined || price.active === active) &&
        (product === undefined || price.product === product) &&
        (type === undefined || price.type === type) &&
        (currency === undefined || price.currency === currency) &&
        (lookupKeys === null || (price.lookup_key !== null && lookupKeys.has(price.lookup_key))) &&
        (interval === undefined || price.recurring?.interval === interval) &&
        (created === undefined || created(price.created)),
    );
  });

  // --- coupons
  router.add('POST', '/v1/coupons', ({ params }) => {
    params.allowOnly([
      'id',
      'name',
      'percent_off',
      'amount_off',
      'currency',
      'duration',
      'duration_in_months',
      'max_redemptions',
      'redeem_by',
      'metadata',
      'applies_to',
    ]);
    return catalog.createCoupon({
      id: params.string('id'),
      name: params.nullableString('name'),
      percentOff: params.decimal('percent_off'),
      amountOff: params.integer('amount_off'),
      currency: params.string('currency'),
      duration: params.enumOf('duration', DURATIONS),
      durationInMonths: params.integer('duration_in_months'),
      maxRedemptions: params.integer('max_redemptions'),
      redeemBy: params.integer('redeem_by'),
      metadata: params.metadata(),
    });
  });
  router.add('GET', '/v1/coupons/:id', ({ pathParams }) => catalog.getCoupon(pathParams.id));
  router.add('POST', '/v1/coupons/:id', ({ pathParams, params }) => {
    params.allowOnly(['name', 'metadata']);
    return catalog.updateCoupon(pathParams.id, {
      name: params.nullableString('name'),
      metadata: params.metadata(catalog.getCoupon(pathParams.id).metadata ?? {}),
    });
  });
  router.add('DELETE', '/v1/coupons/:id', ({ pathParams }) => catalog.deleteCoupon(pathParams.id));
  router.add('GET', '/v1/coupons', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'created']);
    const created = params.range('created');
    return state.coupons.page(
      pageRequest(params),
      '/v1/coupons',
      (coupon) => created === undefined || created(coupon.created),
    );
  });

  // --- promotion codes (this API version: `promotion[type]=coupon&promotion[coupon]=…`)
  router.add('POST', '/v1/promotion_codes', ({ params }) => {
    params.allowOnly([
      'promotion',
      'code',
      'active',
      'customer',
      'expires_at',
      'max_redemptions',
      'metadata',
      'restrictions',
    ]);
    const promotion = params.object('promotion')?.allowOnly(['type', 'coupon']);
    return catalog.createPromotionCode({
      coupon: promotion === undefined ? '' : promotion.requiredString('coupon'),
      code: params.string('code'),
      active: params.boolean('active'),
      customer: params.nullableString('customer'),
      expiresAt: params.integer('expires_at'),
      maxRedemptions: params.integer('max_redemptions'),
      metadata: params.metadata(),
    });
  });
  router.add('GET', '/v1/promotion_codes/:id', ({ pathParams }) =>
    catalog.getPromotionCode(pathParams.id),
  );
  router.add('POST', '/v1/promotion_codes/:id', ({ pathParams, params }) => {
    params.allowOnly(['active', 'metadata', 'restrictions']);
    return catalog.updatePromotionCode(pathParams.id, {
      active: params.boolean('active'),
      metadata: params.metadata(catalog.getPromotionCode(pathParams.id).metadata ?? {}),
    });
  });
  router.add('GET', '/v1/promotion_codes', ({ params }) => {
    params.allowOnly([...PAGINATION_PARAMS, 'code', 'active', 'coupon', 'customer', 'created']);
    const code = params.string('code');
    const active = params.boolean('active');
    const coupon = params.string('coupon');
    const customer = params.string('customer');
    return state.promotionCodes.page(
      pageRequest(params),
      '/v1/promotion_codes',
      (promotion) =>
        (code === undefined || promotion.code === code) &&
        (active === undefined || promotion.active === active) &&
        (coupon === undefined || catalog.couponIdOf(promotion) === coupon) &&
        (customer === undefined || promotion.customer === customer),
    );
  });
};
