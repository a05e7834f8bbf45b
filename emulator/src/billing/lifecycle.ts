import type Stripe from 'stripe';
import type { CheckoutSessionService } from './checkout-sessions';
import type { EmulatorCore } from './emulator-core';
import type { InvoiceService } from './invoices';
import type { PaymentIntentService } from './payment-intents';
import type { SubscriptionLifecycle } from './subscription-lifecycle';

interface DueWork {
  at: number;
  run: (now: number) => void;
}

/**
 * Moves clocks forward and does, in time order, everything that falls due on the way: session
 * expiry, trial notices and trial ends, renewals, draft invoices to finalize, due dates,
 * payment retries, lapsing authorizations, scheduled cancellations.
 */
export class LifecycleScheduler {
  constructor(
    private readonly core: EmulatorCore,
    private readonly subscriptions: SubscriptionLifecycle,
    private readonly checkoutSessions: CheckoutSessionService,
    private readonly paymentIntents: PaymentIntentService,
    private readonly invoices: InvoiceService,
  ) {}

  private onClock(
    testClock: string | null,
    objectClock: string | Stripe.TestHelpers.TestClock | null | undefined,
  ): boolean {
    const id =
      objectClock == null ? null : typeof objectClock === 'string' ? objectClock : objectClock.id;
    return id === testClock;
  }

  private nextDue(testClock: string | null): DueWork | null {
    let best: DueWork | null = null;
    for (const subscription of this.core.state.subscriptions.values()) {
      if (!this.onClock(testClock, subscription.test_clock)) continue;
      const at = this.subscriptions.nextDueAt(subscription);
      if (at !== null && (best === null || at < best.at)) {
        best = { at, run: (now) => this.subscriptions.processDue(subscription, now) };
      }
    }
    for (const session of this.core.state.checkoutSessions.values()) {
      if (session.status !== 'open') continue;
      const customerId = typeof session.customer === 'string' ? session.customer : null;
      if (!this.onClock(testClock, this.core.testClockOf(customerId))) continue;
      if (best === null || session.expires_at < best.at) {
        best = {
          at: session.expires_at,
          run: (now) => this.checkoutSessions.markExpired(session, now),
        };
      }
    }
    for (const [invoiceId, timer] of this.core.state.invoiceTimers) {
      const invoice = this.core.state.invoices.get(invoiceId);
      const customerId = typeof invoice?.customer === 'string' ? invoice.customer : null;
      if (!this.onClock(testClock, this.core.testClockOf(customerId))) continue;
      if (best === null || timer.at < best.at) {
        best = { at: timer.at, run: (now) => this.invoices.processTimer(invoiceId, now) };
      }
    }
    for (const [intentId, expiresAt] of this.core.state.uncapturedPaymentIntents) {
      const intent = this.core.state.paymentIntents.get(intentId);
      const customerId = typeof intent?.customer === 'string' ? intent.customer : null;
      if (!this.onClock(testClock, this.core.testClockOf(customerId))) continue;
      if (best === null || expiresAt < best.at) {
        best = {
          at: expiresAt,
          run: (now) => this.paymentIntents.expireAuthorization(intentId, now),
        };
      }
    }
    return best;
  }

  private setTime(testClock: string | null, time: number): void {
    if (testClock === null) {
      if (time > this.core.clock.globalNow()) this.core.clock.setGlobalTime(time);
      return;
    }
    const clock = this.core.state.testClocks.get(testClock);
    if (clock !== undefined && time > clock.frozen_time) clock.frozen_time = time;
  }

  /** Processes everything due up to `target` on one clock (null = the global clock). */
  advance(testClock: string | null, target: number): void {
    // A guard against a bug looping forever; real work is a handful of steps per object.
    for (let step = 0; step < 1_000_000; step += 1) {
      const due = this.nextDue(testClock);
      if (due === null || due.at > target) break;
      this.setTime(testClock, due.at);
      due.run(Math.max(due.at, this.core.clock.now(testClock)));
    }
    this.setTime(testClock, target);
  }

  /** Catches up with wall time on the global clock (run periodically and before control calls). */
  catchUpGlobal(): void {
    this.advance(null, this.core.clock.globalNow());
  }
}
