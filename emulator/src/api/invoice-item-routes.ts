import type { StripeDomain } from '../billing/stripe-domain';
import { resourceMissing } from '../http/stripe-error';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

/** Invoice items (pending prorations) and invoice payments (invoice ↔ payment intent links). */
export function invoiceItemEndpoints(domain: StripeDomain): Endpoint[] {
  const state = domain.core.state;
  return [
    {
      method: 'GET',
      path: '/v1/invoiceitems/:id',
      params: {},
      handler: ({ pathParams }) => {
        const item = state.invoiceItems.get(pathParams.id);
        if (item === undefined) throw resourceMissing('invoiceitem', pathParams.id);
        return item;
      },
    },
    {
      method: 'GET',
      path: '/v1/invoiceitems',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        invoice: p.string(),
        pending: p.boolean(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const invoice = params.string('invoice');
        const pending = params.boolean('pending');
        const created = params.range('created');
        return state.invoiceItems.page(
          pageRequest(params),
          '/v1/invoiceitems',
          (item) =>
            (customer === undefined || item.customer === customer) &&
            (invoice === undefined || item.invoice === invoice) &&
            (pending === undefined || (item.invoice === null) === pending) &&
            (created === undefined || created(item.date)),
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/invoice_payments/:id',
      params: {},
      handler: ({ pathParams }) => {
        const payment = state.invoicePayments.get(pathParams.id);
        if (payment === undefined) throw resourceMissing('invoice_payment', pathParams.id);
        return payment;
      },
    },
    {
      method: 'GET',
      path: '/v1/invoice_payments',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        invoice: p.string(),
        status: p.enum(['canceled', 'open', 'paid']),
        payment: p.object({
          type: p.enum(['payment_intent']).required(),
          payment_intent: p.string(),
        }),
      },
      handler: ({ params }) => {
        const invoice = params.string('invoice');
        const status = params.string('status');
        const intent = params.object('payment')?.string('payment_intent');
        const created = params.range('created');
        return state.invoicePayments.page(
          pageRequest(params),
          '/v1/invoice_payments',
          (entry) =>
            (invoice === undefined || entry.invoice === invoice) &&
            (status === undefined || entry.status === status) &&
            (intent === undefined || entry.payment.payment_intent === intent) &&
            (created === undefined || created(entry.created)),
        );
      },
    },
  ];
}
