import type Stripe from 'stripe';
import type { DiscountChoice } from '../billing/discounts';
import type { StripeDomain } from '../billing/stripe-domain';
import type {
  SubscriptionCreateInput,
  SubscriptionItemInput,
  SubscriptionUpdateInput,
} from '../billing/subscriptions';
import type { RequestParams } from '../http/request-params';
import { invalidRequest } from '../http/stripe-error';
import { pageRequest, type Endpoint } from './api-call';
import { AUTOMATIC_TAX, CANCELLATION_DETAILS, CREATED_FILTER, DISCOUNTS } from './params/common';
import { PAGINATION, p, type ParamShape } from './params/param-spec';
import { SEARCH_PARAMS, plainFields, search } from './search';

const PRORATION_BEHAVIORS = ['create_prorations', 'none', 'always_invoice'] as const;
const SUBSCRIPTION_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
];

const NEW_ITEM = { price: p.string(), quantity: p.integer(), metadata: p.metadata() };
const ITEM_CHANGE = p.object({ ...NEW_ITEM, id: p.string(), deleted: p.boolean() });

const SUBSCRIPTION_FIELDS: ParamShape = {
  default_tax_rates: p.list(p.string()).unsettable(),
  automatic_tax: AUTOMATIC_TAX,
  collection_method: p.enum(['charge_automatically', 'send_invoice']),
  days_until_due: p.integer(),
  default_payment_method: p.string(),
  trial_end: p.timestamp('now'),
  metadata: p.metadata(),
  cancel_at_period_end: p.boolean(),
  description: p.string(),
  discounts: DISCOUNTS,
};

const SUBSCRIPTION_CREATE: ParamShape = {
  ...SUBSCRIPTION_FIELDS,
  customer: p.string().required(),
  items: p.list(p.object(NEW_ITEM)).required(),
  trial_period_days: p.integer(),
  trial_settings: p.object({
    end_behavior: p
      .object({
        missing_payment_method: p.enum(['cancel', 'create_invoice', 'pause']).required(),
      })
      .required(),
  }),
  payment_behavior: p.enum(
    ['allow_incomplete', 'error_if_incomplete', 'default_incomplete'],
    ['pending_if_incomplete'],
  ),
  payment_settings: p.object({
    save_default_payment_method: p.enum(['off', 'on_subscription']),
  }),
  billing_cycle_anchor: p.timestamp(),
  billing_cycle_anchor_config: p.object({
    day_of_month: p.integer().required(),
    hour: p.integer(),
    minute: p.integer(),
    month: p.integer(),
    second: p.integer(),
  }),
  proration_behavior: p.enum(PRORATION_BEHAVIORS),
};

/** What a pending update may carry (Stripe's list, less what the emulator does not pend). */
const PENDING_UPDATE_PARAMS = new Set([
  'items',
  'proration_behavior',
  'proration_date',
  'payment_behavior',
  'expand',
]);

const SUBSCRIPTION_UPDATE: ParamShape = {
  ...SUBSCRIPTION_FIELDS,
  // This API version takes `billing_cycle_anchor[type]=now|unchanged` on update.
  billing_cycle_anchor: p.object({ type: p.enum(['now', 'unchanged']).required() }),
  proration_date: p.timestamp(),
  payment_behavior: p.enum(
    ['allow_incomplete', 'pending_if_incomplete'],
    ['error_if_incomplete', 'default_incomplete'],
  ),
  pause_collection: p
    .object({
      behavior: p.enum(['keep_as_draft', 'mark_uncollectible', 'void']).required(),
      resumes_at: p.timestamp(),
    })
    .unsettable(),
  items: p.list(ITEM_CHANGE),
  description: p.string().unsettable(),
  proration_behavior: p.enum(PRORATION_BEHAVIORS),
  cancel_at: p.timestamp().unsettable(),
  cancellation_details: CANCELLATION_DETAILS,
};

const SEARCH_FIELDS = plainFields('created', 'status');

function itemInputs(params: RequestParams): SubscriptionItemInput[] {
  return params.objectArray('items').map((item) => ({
    id: item.string('id'),
    price: item.string('price'),
    quantity: item.integer('quantity'),
    deleted: item.boolean('deleted'),
    metadata: item.metadata(),
  }));
}

function trialEnd(params: RequestParams): number | 'now' | undefined {
  const value = params.string('trial_end');
  if (value === undefined) return undefined;
  return value === 'now' ? 'now' : params.integer('trial_end');
}

function anchor(params: RequestParams): {
  billingCycleAnchor?: number;
  billingCycleAnchorConfig?: SubscriptionCreateInput['billingCycleAnchorConfig'];
} {
  const config = params.object('billing_cycle_anchor_config');
  return {
    billingCycleAnchor: params.integer('billing_cycle_anchor'),
    billingCycleAnchorConfig:
      config === undefined
        ? undefined
        : {
            dayOfMonth: config.requiredInteger('day_of_month'),
            month: config.integer('month'),
            hour: config.integer('hour'),
            minute: config.integer('minute'),
            second: config.integer('second'),
          },
  };
}

function collection(params: RequestParams): {
  collectionMethod?: Stripe.Subscription.CollectionMethod;
  daysUntilDue?: number;
} {
  return {
    collectionMethod: params.string('collection_method'),
    daysUntilDue: params.integer('days_until_due'),
  };
}

function pauseCollection(params: RequestParams): SubscriptionUpdateInput['pauseCollection'] {
  if (params.isUnset('pause_collection')) return null;
  const pause = params.object('pause_collection');
  if (pause === undefined) return undefined;
  return {
    behavior: pause.requiredString('behavior'),
    resumesAt: pause.integer('resumes_at') ?? null,
  };
}

function cancellation(params: RequestParams): {
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
} {
  const details = params.object('cancellation_details');
  return {
    comment: details?.nullableString('comment'),
    feedback: details?.nullableString('feedback'),
  };
}

export function subscriptionEndpoints(domain: StripeDomain): Endpoint[] {
  const { subscriptions, discounts, core } = domain;
  const state = core.state;
  /**
   * `discounts[0][coupon|promotion_code]`, resolved before anything changes and checked against
   * the promotion code's restrictions for this customer and these items.
   */
  const discountChoice = (
    params: RequestParams,
    customer: string,
    items: { price?: string; quantity?: number }[],
  ): DiscountChoice | null | undefined => {
    if (params.isUnset('discounts')) return null;
    const first = params.objectArray('discounts')[0];
    if (first === undefined) return undefined;
    const prices = items.map((item) => ({
      price: item.price === undefined ? undefined : state.prices.get(item.price),
      quantity: item.quantity ?? 1,
    }));
    return discounts.resolve(
      { coupon: first.string('coupon'), promotionCode: first.string('promotion_code') },
      'discounts[0]',
      {
        customer,
        subtotal: prices.reduce(
          (sum, entry) => sum + (entry.price?.unit_amount ?? 0) * entry.quantity,
          0,
        ),
        currency: prices.find((entry) => entry.price !== undefined)?.price?.currency ?? 'usd',
      },
    );
  };
  return [
    {
      method: 'POST',
      path: '/v1/subscriptions',
      params: SUBSCRIPTION_CREATE,
      handler: ({ params }) => {
        return subscriptions.create({
          automaticTax: params.object('automatic_tax')?.boolean('enabled'),
          defaultTaxRates: params.has('default_tax_rates')
            ? params.stringArray('default_tax_rates')
            : undefined,
          customer: params.requiredString('customer'),
          items: itemInputs(params),
          defaultPaymentMethod: params.nullableString('default_payment_method'),
          trialPeriodDays: params.integer('trial_period_days'),
          trialEnd: trialEnd(params),
          metadata: params.metadata(),
          cancelAtPeriodEnd: params.boolean('cancel_at_period_end'),
          description: params.nullableString('description'),
          missingPaymentMethod: params
            .object('trial_settings')
            ?.object('end_behavior')
            ?.enumOf('missing_payment_method', ['cancel', 'create_invoice', 'pause'] as const),
          paymentBehavior: params.enumOf('payment_behavior', [
            'allow_incomplete',
            'error_if_incomplete',
            'default_incomplete',
          ] as const),
          saveDefaultPaymentMethod: params
            .object('payment_settings')
            ?.enumOf('save_default_payment_method', ['off', 'on_subscription'] as const),
          discount: discountChoice(params, params.requiredString('customer'), itemInputs(params)),
          ...anchor(params),
          // At creation, always_invoice bills the stub period as create_prorations does.
          prorationBehavior:
            params.string('proration_behavior') === 'none' ? 'none' : 'create_prorations',
          ...collection(params),
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/subscriptions/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) =>
        search(state.subscriptions.newestFirst(), params, 'subscriptions', SEARCH_FIELDS),
    },
    {
      method: 'GET',
      path: '/v1/subscriptions/:id',
      params: {},
      handler: ({ pathParams }) => subscriptions.get(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/subscriptions/:id',
      params: SUBSCRIPTION_UPDATE,
      handler: ({ pathParams, params }) => {
        const subscription = subscriptions.get(pathParams.id);
        const details = cancellation(params);
        const paymentBehavior = params.enumOf('payment_behavior', [
          'allow_incomplete',
          'pending_if_incomplete',
        ] as const);
        if (paymentBehavior === 'pending_if_incomplete') {
          for (const key of Object.keys(params.tree)) {
            if (!PENDING_UPDATE_PARAMS.has(key))
              throw invalidRequest(
                `The parameter \`${key}\` cannot be used with payment_behavior=pending_if_incomplete (the emulator pends items and proration_behavior).`,
                'parameter_invalid',
                key,
              );
          }
        }
        return subscriptions.update(pathParams.id, {
          paymentBehavior,
          automaticTax: params.object('automatic_tax')?.boolean('enabled'),
          defaultTaxRates: params.has('default_tax_rates')
            ? params.stringArray('default_tax_rates')
            : undefined,
          billingCycleAnchor: params
            .object('billing_cycle_anchor')
            ?.enumOf('type', ['now', 'unchanged'] as const),
          prorationDate: params.integer('proration_date'),
          items: params.has('items') ? itemInputs(params) : undefined,
          prorationBehavior: params.enumOf('proration_behavior', PRORATION_BEHAVIORS),
          cancelAtPeriodEnd: params.boolean('cancel_at_period_end'),
          cancelAt: params.isUnset('cancel_at') ? null : params.integer('cancel_at'),
          metadata: params.metadata(subscription.metadata),
          defaultPaymentMethod: params.nullableString('default_payment_method'),
          description: params.nullableString('description'),
          trialEnd: trialEnd(params),
          cancellationComment: details.comment,
          cancellationFeedback: details.feedback,
          discount: discountChoice(
            params,
            subscription.customer as string,
            subscription.items.data.map((item) => ({
              price: item.price.id,
              quantity: item.quantity ?? 1,
            })),
          ),
          ...collection(params),
          pauseCollection: pauseCollection(params),
        });
      },
    },
    {
      method: 'DELETE',
      path: '/v1/subscriptions/:id',
      params: {
        invoice_now: p.boolean(),
        prorate: p.boolean(),
        cancellation_details: CANCELLATION_DETAILS,
      },
      handler: ({ pathParams, params }) => {
        const details = cancellation(params);
        return subscriptions.cancel(pathParams.id, {
          invoiceNow: params.boolean('invoice_now'),
          prorate: params.boolean('prorate'),
          comment: details.comment,
          feedback: details.feedback,
        });
      },
    },
    {
      method: 'POST',
      path: '/v1/subscriptions/:id/resume',
      params: {},
      handler: ({ pathParams }) => subscriptions.resume(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/subscriptions',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        status: p.enum(SUBSCRIPTION_STATUSES),
        price: p.string(),
        test_clock: p.string(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const status = params.string('status');
        const price = params.string('price');
        const created = params.range('created');
        const testClock = params.string('test_clock');
        return state.subscriptions.page(
          pageRequest(params),
          '/v1/subscriptions',
          (subscription) => {
            if (customer !== undefined && subscription.customer !== customer) return false;
            if (testClock !== undefined && subscription.test_clock !== testClock) return false;
            if (
              price !== undefined &&
              !subscription.items.data.some((item) => item.price.id === price)
            )
              return false;
            if (created !== undefined && !created(subscription.created)) return false;
            const ended =
              subscription.status === 'canceled' || subscription.status === 'incomplete_expired';
            // Like Stripe, the default list leaves canceled subscriptions out.
            if (status === undefined) return !ended;
            if (status === 'all') return true;
            if (status === 'ended') return ended;
            return subscription.status === status;
          },
        );
      },
    },
  ];
}
