import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import { declineErrorCode, declineMessage } from './test-cards';

export interface ChargeRequest {
  customer: string | null;
  paymentMethod: string | null;
  amount: number;
  currency: string;
  description: string | null;
  metadata: Record<string, string>;
  receiptEmail?: string | null;
}

export interface ChargeOutcome {
  paymentIntent: Stripe.PaymentIntent;
  charge: Stripe.Charge | null;
  declineCode: string | null;
}

/** Payment intents, charges and refunds. */
export class PaymentService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
  ) {}

  getPaymentIntent(id: string, param = 'id'): Stripe.PaymentIntent {
    const intent = this.core.state.paymentIntents.get(id);
    if (intent === undefined) throw resourceMissing('payment_intent', id, param);
    return intent;
  }

  getCharge(id: string, param = 'id'): Stripe.Charge {
    const charge = this.core.state.charges.get(id);
    if (charge === undefined) throw resourceMissing('charge', id, param);
    return charge;
  }

  getRefund(id: string): Stripe.Refund {
    const refund = this.core.state.refunds.get(id);
    if (refund === undefined) throw resourceMissing('refund', id);
    return refund;
  }

  /** A payment intent waiting for a payment method (`payment_intents.create` without confirm). */
  createIntent(request: ChargeRequest): Stripe.PaymentIntent {
    const created = this.customers.nowFor(request.customer);
    const id = newId('pi');
    const intent: Stripe.PaymentIntent = {
      id,
      object: 'payment_intent',
      allowed_payment_method_types: null,
      amount: request.amount,
      amount_capturable: 0,
      amount_details: { tip: {} },
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic',
      client_secret: `${id}_secret_${randomToken(25)}`,
      confirmation_method: 'automatic',
      created,
      currency: request.currency,
      customer: request.customer,
      customer_account: null,
      description: request.description,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      managed_payments: null,
      metadata: request.metadata,
      next_action: null,
      on_behalf_of: null,
      payment_method: request.paymentMethod,
      payment_method_configuration_details: null,
      payment_method_options: {
        card: {
          installments: null,
          mandate_options: null,
          network: null,
          request_three_d_secure: 'automatic',
        },
      },
      payment_method_types: ['card'],
      payment_record: null,
      processing: null,
      receipt_email: request.receiptEmail ?? null,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: request.paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation',
      transfer_data: null,
      transfer_group: null,
    };
    this.core.state.paymentIntents.put(intent);
    this.core.events.emit('payment_intent.created', intent, created);
    return intent;
  }

  /**
   * Creates and confirms a payment intent in one go, as invoices and Checkout do. A decline
   * leaves the intent in `requires_payment_method` with `last_payment_error`, plus a failed charge.
   */
  chargeNow(request: ChargeRequest): ChargeOutcome {
    const intent = this.createIntent(request);
    return this.confirm(intent.id, request.paymentMethod);
  }

  confirm(intentId: string, paymentMethodId: string | null): ChargeOutcome {
    const intent = this.getPaymentIntent(intentId);
    if (intent.status === 'succeeded') {
      throw invalidRequest(
        'This PaymentIntent has already succeeded.',
        'payment_intent_unexpected_state',
      );
    }
    const methodId =
      paymentMethodId ?? (typeof intent.payment_method === 'string' ? intent.payment_method : null);
    if (methodId === null) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method.",
        'payment_intent_unexpected_state',
      );
    }
    const method = this.customers.getPaymentMethod(methodId, 'payment_method');
    const customerId = typeof intent.customer === 'string' ? intent.customer : null;
    const now = this.customers.nowFor(customerId);
    const before = structuredClone(intent);
    const declineCode = this.customers.chargeDecline(method.id);
    const charge = this.createCharge(intent, method, declineCode, now);
    intent.payment_method = method.id;
    intent.latest_charge = charge.id;
    if (declineCode === null) {
      intent.status = 'succeeded';
      intent.amount_received = intent.amount;
      intent.last_payment_error = null;
      this.core.events.emit('charge.succeeded', charge, now);
      this.core.events.emit(
        'payment_intent.succeeded',
        intent,
        now,
        changedAttributes(before, intent),
      );
    } else {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'card_error',
        charge: charge.id,
        code: declineErrorCode(declineCode),
        decline_code: declineCode,
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        message: declineMessage(declineCode),
        payment_method: structuredClone(method),
      };
      this.core.events.emit('charge.failed', charge, now);
      this.core.events.emit(
        'payment_intent.payment_failed',
        intent,
        now,
        changedAttributes(before, intent),
      );
    }
    return { paymentIntent: intent, charge, declineCode };
  }

  private createCharge(
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

  createRefund(input: {
    charge?: string;
    paymentIntent?: string;
    amount?: number;
    reason?: Stripe.Refund.Reason | null;
    metadata?: Record<string, string>;
  }): Stripe.Refund {
    let charge: Stripe.Charge;
    if (input.charge !== undefined) charge = this.getCharge(input.charge, 'charge');
    else if (input.paymentIntent !== undefined) {
      const intent = this.getPaymentIntent(input.paymentIntent, 'payment_intent');
      if (intent.status !== 'succeeded' || typeof intent.latest_charge !== 'string') {
        throw invalidRequest(
          `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
          'charge_not_refundable',
          'payment_intent',
        );
      }
      charge = this.getCharge(intent.latest_charge, 'payment_intent');
    } else throw parameterMissing('charge');
    if (charge.status !== 'succeeded')
      throw invalidRequest(`Charge ${charge.id} has not succeeded.`, 'charge_not_refundable');
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0)
      throw invalidRequest(
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    const amount = input.amount ?? remaining;
    if (amount <= 0) throw parameterInvalid('amount', 'Refund amount must be a positive integer.');
    if (amount > remaining) {
      throw invalidRequest(
        `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(remaining / 100).toFixed(2)})`,
        'amount_too_large',
        'amount',
      );
    }
    const customerId = typeof charge.customer === 'string' ? charge.customer : null;
    const now = this.customers.nowFor(customerId);
    const refund: Stripe.Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: now,
      currency: charge.currency,
      customer: customerId,
      customer_account: null,
      destination_details: {
        card: {
          reference: randomToken(12),
          reference_status: 'pending',
          reference_type: 'acquirer_reference_number',
          type: 'refund',
        },
        type: 'card',
      },
      metadata: input.metadata ?? {},
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: input.reason ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    this.core.state.refunds.put(refund);
    const before = structuredClone(charge);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    this.core.events.emit('refund.created', refund, now);
    this.core.events.emit(
      'charge.refunded',
      this.chargeWithRefunds(charge),
      now,
      changedAttributes(before, charge),
    );
    return refund;
  }

  refundsOfCharge(chargeId: string): Stripe.Refund[] {
    return [...this.core.state.refunds.newestFirst()].filter(
      (refund) => refund.charge === chargeId,
    );
  }

  /** `refunds` is an includable list, filled when the charge is shown. */
  chargeWithRefunds(charge: Stripe.Charge): Stripe.Charge {
    const refunds = this.refundsOfCharge(charge.id);
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
}
