import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId, randomToken } from '../store/ids';
import type { ChargeService } from './charges';
import type { EmulatorCore } from './emulator-core';
import type { PaymentIntentService } from './payment-intents';

export interface RefundInput {
  charge?: string;
  paymentIntent?: string;
  amount?: number;
  reason?: Stripe.Refund.Reason | null;
  metadata?: Record<string, string>;
}

/** Refunds of succeeded charges, full or partial. */
export class RefundService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly charges: ChargeService,
    private readonly paymentIntents: PaymentIntentService,
  ) {}

  get(id: string): Stripe.Refund {
    const refund = this.core.state.refunds.get(id);
    if (refund === undefined) throw resourceMissing('refund', id);
    return refund;
  }

  private chargeToRefund(input: RefundInput): Stripe.Charge {
    if (input.charge !== undefined) return this.charges.get(input.charge, 'charge');
    if (input.paymentIntent === undefined) throw parameterMissing('charge');
    const intent = this.paymentIntents.get(input.paymentIntent, 'payment_intent');
    if (intent.status !== 'succeeded' || typeof intent.latest_charge !== 'string') {
      throw invalidRequest(
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        'charge_not_refundable',
        'payment_intent',
      );
    }
    return this.charges.get(intent.latest_charge, 'payment_intent');
  }

  create(input: RefundInput): Stripe.Refund {
    const charge = this.chargeToRefund(input);
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
    return this.record(charge, amount, input.reason ?? null, input.metadata ?? {});
  }

  /** Records a refund of `amount` on a charge, with `refund.created` and `charge.refunded`. */
  record(
    charge: Stripe.Charge,
    amount: number,
    reason: Stripe.Refund.Reason | null,
    metadata: Record<string, string>,
  ): Stripe.Refund {
    const customerId = typeof charge.customer === 'string' ? charge.customer : null;
    const now = this.core.nowFor(customerId);
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
      metadata,
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason,
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
      this.charges.withRefunds(charge),
      now,
      changedAttributes(before, charge),
    );
    return refund;
  }

  update(id: string, metadata: Record<string, string> | undefined): Stripe.Refund {
    const refund = this.get(id);
    const before = structuredClone(refund);
    if (metadata !== undefined) refund.metadata = metadata;
    const previous = changedAttributes(before, refund);
    if (Object.keys(previous).length > 0)
      this.core.events.emit(
        'refund.updated',
        refund,
        this.core.nowFor(typeof refund.customer === 'string' ? refund.customer : null),
        previous,
      );
    return refund;
  }
}
