import type Stripe from 'stripe';
import { toInvoicePreview } from '../../src/subscriptions/invoice-preview.mapper';
import { stripeFixture } from '../support/stripe-fixtures';

describe('toInvoicePreview (Stripe invoice preview → API)', () => {
  it("maps Stripe's example invoice: amounts, date, period and a proration line without a price", () => {
    const invoice = stripeFixture<Stripe.Invoice>('invoice');
    const preview = toInvoicePreview(invoice);
    expect(preview).toMatchObject({
      amountDue: invoice.amount_due,
      subtotal: invoice.subtotal,
      total: invoice.total,
      currency: invoice.currency,
      date: new Date(invoice.created * 1000),
      periodStart: new Date(invoice.period_start * 1000),
      periodEnd: new Date(invoice.period_end * 1000),
    });
    expect(preview.lines).toEqual([
      {
        description: 'My First Invoice Item (created for API docs)',
        amount: 1000,
        priceId: null,
        quantity: 1,
        proration: true,
        periodStart: new Date(1721954054 * 1000),
        periodEnd: new Date(1721954054 * 1000),
      },
    ]);
  });

  it('sums taxes and discounts, and reads an expanded or plain price id', () => {
    const base = stripeFixture<Stripe.Invoice>('invoice');
    const line = base.lines.data[0];
    const invoice: Stripe.Invoice = {
      ...base,
      total_taxes: [
        { amount: 120, tax_behavior: 'exclusive' } as Stripe.Invoice.TotalTax,
        { amount: 30, tax_behavior: 'inclusive' } as Stripe.Invoice.TotalTax,
      ],
      total_discount_amounts: [{ amount: 250, discount: 'di_1' }],
      lines: {
        ...base.lines,
        data: [
          {
            ...line,
            parent: null,
            pricing: {
              type: 'price_details',
              unit_amount_decimal: null,
              price_details: { price: 'price_team', product: 'prod_team' },
            },
          },
        ],
      },
    };
    const preview = toInvoicePreview(invoice);
    expect(preview.tax).toBe(150);
    expect(preview.discount).toBe(250);
    expect(preview.lines[0]).toMatchObject({ priceId: 'price_team', proration: false });
  });
});
