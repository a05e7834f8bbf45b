import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import { type StripeApiError, invalidRequest, resourceMissing } from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { ChargeService } from './charges';
import type { EmulatorCore } from './emulator-core';
import { cardError, type PaymentMethodService } from './payment-methods';
import type { RefundService } from './refunds';
import { declineErrorCode, declineMessage } from './test-cards';

/** A card authorization lapses after seven days: the payment intent is then canceled. */
export const AUTHORIZATION_VALIDITY_SECONDS = 7 * 86_400;

const CANCELABLE: readonly Stripe.PaymentIntent.Status[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

export interface ChargeRequest {
  customer: string | null;
  /** `manual` authorizes only; `capture` takes the money later. */
  captureMethod?: Stripe.PaymentIntent.CaptureMethod;
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

/**
 * A 402 for a declined payment, carrying the payment intent and charge as Stripe's does. The
 * attempt stands (failed charge, attempt count, events), as in Stripe.
 */
export function declinedPayment(intent: Stripe.PaymentIntent, declineCode: string): StripeApiError {
  return cardError(declineCode, {
    message: intent.last_payment_error?.message ?? declineMessage(declineCode),
    payment_intent: intent,
    charge: typeof intent.latest_charge === 'string' ? intent.latest_charge : undefined,
  }).recordingAttempt();
}

/** Payment intents: created, confirmed with a card (a charge), and what a decline leaves behind. */
export class PaymentIntentService {
  /** Set once the refund service exists (refunds need payment intents; releases need refunds). */
  refunds!: RefundService;
  /** Set by invoice collection: an invoice's payment intent was confirmed by the client. */
  onConfirmed: (outcome: ChargeOutcome) => void = () => undefined;

  constructor(
    private readonly core: EmulatorCore,
    private readonly paymentMethods: PaymentMethodService,
    private readonly charges: ChargeService,
  ) {}

  get(id: string, param = 'id'): Stripe.PaymentIntent {
    const intent = this.core.state.paymentIntents.get(id);
    if (intent === undefined) throw resourceMissing('payment_intent', id, param);
    return intent;
  }

  /** A payment intent waiting for a payment method or confirmation (`create` without `confirm`). */
  create(request: ChargeRequest): Stripe.PaymentIntent {
    const created = this.core.nowFor(request.customer);
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
      capture_method: request.captureMethod ?? 'automatic',
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
    const intent = this.create(request);
    return this.confirm(intent.id, request.paymentMethod);
  }

  /** Refuses a confirmation `confirm` would refuse, before anything is written. */
  checkConfirmable(intent: Stripe.PaymentIntent, paymentMethodId: string | null): string {
    if (intent.status === 'succeeded') {
      throw invalidRequest(
        'This PaymentIntent has already succeeded.',
        'payment_intent_unexpected_state',
      );
    }
    if (intent.status === 'canceled' || intent.status === 'requires_capture')
      throw invalidRequest(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}.`,
        'payment_intent_unexpected_state',
      );
    const methodId =
      paymentMethodId ?? (typeof intent.payment_method === 'string' ? intent.payment_method : null);
    if (methodId === null) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method.",
        'payment_intent_unexpected_state',
      );
    }
    return methodId;
  }

  confirm(intentId: string, paymentMethodId: string | null): ChargeOutcome {
    const intent = this.get(intentId);
    const methodId = this.checkConfirmable(intent, paymentMethodId);
    const method = this.paymentMethods.get(methodId, 'payment_method');
    const customerId = typeof intent.customer === 'string' ? intent.customer : null;
    const now = this.core.nowFor(customerId);
    const before = structuredClone(intent);
    const declineCode = this.paymentMethods.chargeDecline(method.id, now);
    const charge = this.charges.create(intent, method, declineCode, now);
    intent.payment_method = method.id;
    intent.latest_charge = charge.id;
    if (declineCode === null && intent.capture_method === 'manual') {
      // Authorized only: the money is held until captured, canceled, or the hold lapses.
      charge.captured = false;
      charge.amount_captured = 0;
      charge.balance_transaction = null;
      intent.status = 'requires_capture';
      intent.amount_capturable = intent.amount;
      intent.last_payment_error = null;
      this.core.state.uncapturedPaymentIntents.set(intent.id, now + AUTHORIZATION_VALIDITY_SECONDS);
      this.core.events.emit('charge.succeeded', charge, now);
      this.core.events.emit(
        'payment_intent.amount_capturable_updated',
        intent,
        now,
        changedAttributes(before, intent),
      );
    } else if (declineCode === null) {
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
    const outcome = { paymentIntent: intent, charge, declineCode };
    this.onConfirmed(outcome);
    return outcome;
  }

  private nowOf(intent: Stripe.PaymentIntent): number {
    return this.core.nowFor(typeof intent.customer === 'string' ? intent.customer : null);
  }

  private heldCharge(intent: Stripe.PaymentIntent): Stripe.Charge {
    return this.charges.get(intent.latest_charge as string);
  }

  /**
   * Takes an authorized amount (all of it, or `amountToCapture`; the rest is released, which
   * Stripe records as a refund of the uncaptured part).
   */
  capture(
    id: string,
    input: { amountToCapture?: number; metadata?: Record<string, string> },
  ): Stripe.PaymentIntent {
    const intent = this.get(id);
    if (intent.status !== 'requires_capture')
      throw invalidRequest(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        'payment_intent_unexpected_state',
      );
    const amount = input.amountToCapture ?? intent.amount_capturable;
    if (amount <= 0 || amount > intent.amount_capturable)
      throw invalidRequest(
        `The amount to capture must be between 1 and the amount capturable (${intent.amount_capturable}).`,
        'amount_too_large',
        'amount_to_capture',
      );
    const now = this.nowOf(intent);
    const charge = this.heldCharge(intent);
    const before = structuredClone(intent);
    const chargeBefore = structuredClone(charge);
    charge.captured = true;
    charge.amount_captured = amount;
    charge.balance_transaction = newId('txn');
    this.core.events.emit(
      'charge.captured',
      this.charges.withRefunds(charge),
      now,
      changedAttributes(chargeBefore, charge),
    );
    const released = intent.amount - amount;
    if (released > 0) this.refunds.record(charge, released, null, {});
    if (input.metadata !== undefined) intent.metadata = input.metadata;
    intent.status = 'succeeded';
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    this.core.state.uncapturedPaymentIntents.delete(intent.id);
    this.core.events.emit(
      'payment_intent.succeeded',
      intent,
      now,
      changedAttributes(before, intent),
    );
    return intent;
  }

  /** Cancels an intent that has not succeeded; a held authorization is released (refunded). */
  cancel(
    id: string,
    reason: Stripe.PaymentIntent.CancellationReason | null,
    now = this.nowOf(this.get(id)),
  ): Stripe.PaymentIntent {
    const intent = this.get(id);
    if (!CANCELABLE.includes(intent.status))
      throw invalidRequest(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
        'payment_intent_unexpected_state',
      );
    for (const payment of this.core.state.invoicePayments.values()) {
      if (payment.payment.payment_intent === intent.id)
        throw invalidRequest(
          'You cannot cancel this PaymentIntent because it was created by an invoice. Void the invoice instead.',
          'payment_intent_unexpected_state',
        );
    }
    const before = structuredClone(intent);
    if (intent.status === 'requires_capture') {
      const charge = this.heldCharge(intent);
      this.refunds.record(charge, intent.amount_capturable, null, {});
      if (reason === 'automatic') this.core.events.emit('charge.expired', charge, now);
    }
    intent.status = 'canceled';
    intent.canceled_at = now;
    intent.cancellation_reason = reason;
    intent.amount_capturable = 0;
    this.core.state.uncapturedPaymentIntents.delete(intent.id);
    this.core.events.emit(
      'payment_intent.canceled',
      intent,
      now,
      changedAttributes(before, intent),
    );
    return intent;
  }

  /** The authorization of an uncaptured intent lapses (clock-driven). */
  expireAuthorization(id: string, now: number): void {
    this.cancel(id, 'automatic', now);
  }

  update(
    id: string,
    input: {
      metadata?: Record<string, string>;
      description?: string | null;
      paymentMethod?: string;
      receiptEmail?: string | null;
    },
  ): Stripe.PaymentIntent {
    const intent = this.get(id);
    const method =
      input.paymentMethod === undefined
        ? undefined
        : this.paymentMethods.get(input.paymentMethod, 'payment_method');
    // Stripe has no `payment_intent.updated` event: an update is silent.
    if (input.metadata !== undefined) intent.metadata = input.metadata;
    if (input.description !== undefined) intent.description = input.description;
    if (input.receiptEmail !== undefined) intent.receipt_email = input.receiptEmail;
    if (method !== undefined) {
      intent.payment_method = method.id;
      if (intent.status === 'requires_payment_method') intent.status = 'requires_confirmation';
    }
    return intent;
  }
}
