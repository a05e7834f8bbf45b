import type Stripe from 'stripe';
import { resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { EmulatorCore } from './emulator-core';
import { declineErrorCode, declineMessage } from './test-cards';

/** Charges: made by payment intents, shown with their refunds. */
export class ChargeService {
  constructor(private readonly core: EmulatorCore) {}

  get(id: string, param = 'id'): Stripe.Charge {
    const charge = this.core.state.charges.get(id);
    if (charge === undefined) throw resourceMissing('charge', id, param);
    return charge;
  }

  refundsOf(chargeId: string): Stripe.Refund[] {
    return [...this.core.state.refunds.newestFirst()].filter(
      (refund) => refund.charge === chargeId,
    );
  }

  /** `refunds` is an includable list, filled when the charge is shown. */
  withRefunds(charge: Stripe.Charge): Stripe.Charge {
    const refunds = this.refundsOf(charge.id);
    return {
      ...charge,
      refunds: {
        object: 'list',
        data: refunds.slice(0, 10),
        has_more: refunds.length > 10,
        url: `/v1/charges/${charge.id}/refunds`,
      },
    };
  }

  /** The charge a payment attempt makes: succeeded, or failed with the card's decline. */
  create(
    intent: Stripe.PaymentIntent,
    method: Stripe.PaymentMethod,
    declineCode: string | null,
    now: number,
  ): Stripe.Charge {
    const succeeded = declineCode === null;
    const id = newId('ch');
    const card = method.card;
    const charge: Stripe.Charge = {
      id,
      object: 'charge',
      amount: intent.amount,
      amount_captured: succeeded ? intent.amount : 0,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: null,
      balance_transaction: succeeded ? newId('txn') : null,
      billing_details: method.billing_details,
      calculated_statement_descriptor: 'EMULATOR',
      captured: succeeded,
      created: now,
      currency: intent.currency,
      customer: intent.customer,
      description: intent.description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: succeeded ? null : declineErrorCode(declineCode),
      failure_message: succeeded ? null : declineMessage(declineCode),
      fraud_details: {},
      livemode: false,
      metadata: intent.metadata,
      on_behalf_of: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: succeeded ? 'approved_by_network' : 'declined_by_network',
        reason: declineCode,
        risk_level: 'normal',
        risk_score: 20,
        seller_message: succeeded
          ? 'Payment complete.'
          : 'The bank did not return any further details with this decline.',
        type: succeeded ? 'authorized' : 'issuer_declined',
      },
      paid: succeeded,
      payment_intent: intent.id,
      payment_method: method.id,
      payment_method_details: {
        type: 'card',
        card: {
          amount_authorized: succeeded ? intent.amount : null,
          authorization_code: succeeded ? randomToken(6) : null,
          brand: card?.brand ?? 'visa',
          checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
          country: 'US',
          electronic_commerce_indicator: null,
          exp_month: card?.exp_month ?? 12,
          exp_year: card?.exp_year ?? 2030,
          extended_authorization: { status: 'disabled' },
          fingerprint: card?.fingerprint ?? null,
          funding: 'credit',
          incremental_authorization: { status: 'unavailable' },
          installments: null,
          last4: card?.last4 ?? '4242',
          mandate: null,
          multicapture: { status: 'unavailable' },
          network: card?.brand ?? 'visa',
          network_token: { used: false },
          network_transaction_id: succeeded ? randomToken(15) : null,
          overcapture: { maximum_amount_capturable: intent.amount, status: 'unavailable' },
          regulated_status: 'unregulated',
          three_d_secure: null,
          transaction_link_id: null,
          wallet: null,
        },
      },
      receipt_email: intent.receipt_email,
      receipt_number: null,
      receipt_url: `${this.core.baseUrl}/receipts/${id}`,
      refunded: false,
      refunds: { object: 'list', data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: succeeded ? 'succeeded' : 'failed',
      transfer_data: null,
      transfer_group: null,
    };
    this.core.state.charges.put(charge);
    return charge;
  }
}
