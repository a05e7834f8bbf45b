import type { StripeDomain } from '../billing/stripe-domain';
import { declinedPayment } from '../billing/payment-intents';
import { invalidRequest } from '../http/stripe-error';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER, DISCOUNTS } from './params/common';
import { PAGINATION, p } from './params/param-spec';
import { SEARCH_PARAMS, byPath, plainFields, search } from './search';

/** The fields Stripe lets you search invoices by. */
const SEARCH_FIELDS = {
  ...plainFields('created', 'currency', 'customer', 'number', 'receipt_number', 'status', 'total'),
  subscription: byPath('parent.subscription_details.subscription'),
  last_finalization_error_code: byPath('last_finalization_error.code'),
  last_finalization_error_type: byPath('last_finalization_error.type'),
};

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'];

export function invoiceEndpoints(domain: StripeDomain): Endpoint[] {
  const { invoices, paymentMethods, core } = domain;
  const state = core.state;
  return [
    {
      method: 'GET',
      path: '/v1/invoices/search',
      params: SEARCH_PARAMS,
      handler: ({ params }) =>
        search(state.invoices.newestFirst(), params, 'invoices', SEARCH_FIELDS),
    },
    {
      method: 'POST',
      path: '/v1/invoices/create_preview',
      params: {
        customer: p.string(),
        subscription: p.string(),
        discounts: DISCOUNTS,
        subscription_details: p.object({
          items: p.list(
            p.object({
              id: p.string(),
              price: p.string(),
              quantity: p.integer(),
              deleted: p.boolean(),
              metadata: p.metadata(),
            }),
          ),
          proration_behavior: p.enum(['create_prorations', 'none', 'always_invoice']),
          proration_date: p.timestamp(),
          billing_cycle_anchor: p.object({
            type: p.enum(['now', 'unchanged'], ['timestamp']).required(),
          }),
          trial_end: p.timestamp('now'),
          cancel_at_period_end: p.boolean(),
          default_tax_rates: p.list(p.string()).unsettable(),
        }),
      },
      handler: ({ params }) => {
        const details = params.object('subscription_details');
        const discount = params.objectArray('discounts')[0];
        const trialEnd = details?.string('trial_end');
        return domain.createPreview.preview({
          customer: params.string('customer'),
          subscription: params.string('subscription'),
          discount: params.isUnset('discounts')
            ? null
            : discount === undefined
              ? undefined
              : domain.discounts.resolve(
                  {
                    coupon: discount.string('coupon'),
                    promotionCode: discount.string('promotion_code'),
                  },
                  'discounts[0]',
                ),
          details:
            details === undefined
              ? undefined
              : {
                  items: details.has('items')
                    ? details.objectArray('items').map((item) => ({
                        id: item.string('id'),
                        price: item.string('price'),
                        quantity: item.integer('quantity'),
                        deleted: item.boolean('deleted'),
                        metadata: item.metadata(),
                      }))
                    : undefined,
                  prorationBehavior: details.enumOf('proration_behavior', [
                    'create_prorations',
                    'none',
                    'always_invoice',
                  ] as const),
                  prorationDate: details.integer('proration_date'),
                  billingCycleAnchor: details
                    .object('billing_cycle_anchor')
                    ?.enumOf('type', ['now', 'unchanged'] as const),
                  trialEnd:
                    trialEnd === undefined
                      ? undefined
                      : trialEnd === 'now'
                        ? 'now'
                        : details.integer('trial_end'),
                  cancelAtPeriodEnd: details.boolean('cancel_at_period_end'),
                  defaultTaxRates: details.has('default_tax_rates')
                    ? details.stringArray('default_tax_rates')
                    : undefined,
                },
        });
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id',
      params: {},
      handler: ({ pathParams }) => invoices.get(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id/lines',
      params: PAGINATION,
      handler: ({ pathParams, params }) =>
        pageOfArray(
          invoices.get(pathParams.id).lines.data,
          pageRequest(params),
          `/v1/invoices/${pathParams.id}/lines`,
        ),
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id',
      params: { metadata: p.metadata(), description: p.string(), auto_advance: p.boolean() },
      handler: ({ pathParams, params }) =>
        invoices.update(pathParams.id, {
          metadata: params.metadata(invoices.get(pathParams.id).metadata ?? {}),
          description: params.string('description'),
          autoAdvance: params.boolean('auto_advance'),
        }),
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/pay',
      params: {
        payment_method: p.string(),
        off_session: p.boolean(),
        paid_out_of_band: p.boolean(),
      },
      handler: ({ pathParams, params }) => {
        const invoice = invoices.get(pathParams.id);
        if (params.boolean('paid_out_of_band') === true) {
          if (params.has('payment_method'))
            throw invalidRequest(
              'You may only specify one of these parameters: paid_out_of_band, payment_method.',
              'parameter_invalid',
            );
          return invoices.collection.payOutOfBand(invoice);
        }
        const paymentMethod = params.string('payment_method');
        if (paymentMethod !== undefined)
          paymentMethods.checkOwnedBy(
            paymentMethod,
            invoices.customerOf(invoice),
            'payment_method',
          );
        if (invoices.attemptPayment(invoice, paymentMethod) === 'paid') return invoice;
        const intentId = invoices.collection.latestPaymentIntentOf(invoice.id);
        const intent = intentId === null ? undefined : state.paymentIntents.get(intentId);
        const declineCode = intent?.last_payment_error?.decline_code;
        if (intent !== undefined && declineCode != null) throw declinedPayment(intent, declineCode);
        throw invalidRequest(
          'This invoice cannot be paid: the customer has no default payment method.',
          'invoice_no_payment_method_types',
        );
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/finalize',
      params: { auto_advance: p.boolean() },
      handler: ({ pathParams, params }) => {
        const invoice = invoices.get(pathParams.id);
        const autoAdvance = params.boolean('auto_advance');
        if (autoAdvance !== undefined && invoice.status === 'draft')
          invoice.auto_advance = autoAdvance;
        invoices.finalize(invoice);
        // Finalized with automatic collection on, Stripe collects a charge_automatically invoice.
        if (invoice.auto_advance && invoice.collection_method === 'charge_automatically')
          invoices.attemptPayment(invoice);
        return invoice;
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/void',
      params: {},
      handler: ({ pathParams }) => invoices.void(pathParams.id),
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/mark_uncollectible',
      params: {},
      handler: ({ pathParams }) => invoices.markUncollectible(pathParams.id),
    },
    {
      method: 'GET',
      path: '/v1/invoices',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        subscription: p.string(),
        status: p.enum(INVOICE_STATUSES),
        collection_method: p.enum(['charge_automatically', 'send_invoice']),
        due_date: p.range(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const subscription = params.string('subscription');
        const status = params.string('status');
        const created = params.range('created');
        const collectionMethod = params.string('collection_method');
        const dueDate = params.range('due_date');
        return state.invoices.page(
          pageRequest(params),
          '/v1/invoices',
          (invoice) =>
            (customer === undefined || invoice.customer === customer) &&
            (subscription === undefined || invoices.subscriptionOf(invoice) === subscription) &&
            (status === undefined || invoice.status === status) &&
            (collectionMethod === undefined || invoice.collection_method === collectionMethod) &&
            (dueDate === undefined || (invoice.due_date !== null && dueDate(invoice.due_date))) &&
            (created === undefined || created(invoice.created)),
        );
      },
    },
  ];
}
