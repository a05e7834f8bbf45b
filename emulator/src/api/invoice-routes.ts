import type { StripeDomain } from '../billing/stripe-domain';
import { declinedPayment } from '../billing/payment-intents';
import { invalidRequest } from '../http/stripe-error';
import { pageOfArray } from '../store/collection';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'];

export function invoiceEndpoints(domain: StripeDomain): Endpoint[] {
  const { invoices, paymentMethods, core } = domain;
  const state = core.state;
  return [
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
      params: { metadata: p.metadata(), description: p.string() },
      handler: ({ pathParams, params }) => {
        const invoice = invoices.get(pathParams.id);
        const metadata = params.metadata(invoice.metadata ?? {});
        if (metadata !== undefined) invoice.metadata = metadata;
        const description = params.nullableString('description');
        if (description !== undefined) invoice.description = description;
        return invoice;
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/pay',
      params: { payment_method: p.string(), off_session: p.boolean() },
      handler: ({ pathParams, params }) => {
        const invoice = invoices.get(pathParams.id);
        const paymentMethod = params.string('payment_method');
        if (paymentMethod !== undefined)
          paymentMethods.checkOwnedBy(
            paymentMethod,
            invoices.customerOf(invoice),
            'payment_method',
          );
        if (invoices.attemptPayment(invoice, paymentMethod) === 'paid') return invoice;
        const intentId = invoices.latestPaymentIntentOf(invoice.id);
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
      params: {},
      handler: ({ pathParams }) => invoices.finalize(invoices.get(pathParams.id)),
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
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const subscription = params.string('subscription');
        const status = params.string('status');
        const created = params.range('created');
        return state.invoices.page(
          pageRequest(params),
          '/v1/invoices',
          (invoice) =>
            (customer === undefined || invoice.customer === customer) &&
            (subscription === undefined || invoices.subscriptionOf(invoice) === subscription) &&
            (status === undefined || invoice.status === status) &&
            (created === undefined || created(invoice.created)),
        );
      },
    },
  ];
}
