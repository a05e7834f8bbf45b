import type Stripe from 'stripe';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CheckoutService } from './checkout';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { SubscriptionService } from './subscriptions';

interface DueWork {
  at: number;
  run: (now: number) => void;
}

/**
 * Moves clocks forward and does, in time order, everything that falls due on the way: session
 * expiry, trial notices and trial ends, renewals, payment retries, scheduled cancellations.
 */
export class LifecycleScheduler {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly subscriptions: SubscriptionService,
    private readonly checkout: CheckoutService,
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
      if (!this.onClock(testClock, this.customers.testClockOf(customerId))) continue;
      if (best === null || session.expires_at < best.at) {
        best = { at: session.expires_at, run: (now) => this.checkout.markExpired(session, now) };
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

  // --- test clocks -------------------------------------------------------------------------

  getTestClock(id: string): Stripe.TestHelpers.TestClock {
    const clock = this.core.state.testClocks.get(id);
    if (clock === undefined) throw resourceMissing('test_helpers.test_clock', id);
    return clock;
  }

  createTestClock(input: {
    frozenTime?: number;
    name?: string | null;
  }): Stripe.TestHelpers.TestClock {
    if (input.frozenTime === undefined) throw parameterMissing('frozen_time');
    const clock: Stripe.TestHelpers.TestClock = {
      id: newId('clock'),
      object: 'test_helpers.test_clock',
      created: this.core.clock.globalNow(),
      deletes_after: this.core.clock.globalNow() + 30 * 86_400,
      frozen_time: input.frozenTime,
      livemode: false,
      name: input.name ?? null,
      status: 'ready',
      status_details: {},
    };
    this.core.state.testClocks.put(clock);
    this.core.events.emit('test_helpers.test_clock.created', clock, clock.created);
    return clock;
  }

  /**
   * Stripe advances asynchronously (status `advancing`, then `ready`); the emulator does the
   * work before answering, so the clock it returns is already `ready` and pollers stop at once.
   */
  advanceTestClock(id: string, frozenTime: number | undefined): Stripe.TestHelpers.TestClock {
    const clock = this.getTestClock(id);
    if (frozenTime === undefined) throw parameterMissing('frozen_time');
    if (frozenTime <= clock.frozen_time) {
      throw invalidRequest(
        'The frozen_time must be after the current frozen_time of the test clock.',
        'parameter_invalid',
        'frozen_time',
      );
    }
    clock.status = 'advancing';
    this.core.events.emit('test_helpers.test_clock.advancing', clock, this.core.clock.globalNow());
    this.advance(id, frozenTime);
    clock.status = 'ready';
    this.core.events.emit('test_helpers.test_clock.ready', clock, this.core.clock.globalNow());
    return clock;
  }

  /** Deleting a clock deletes its customers (and so cancels their subscriptions), as Stripe does. */
  deleteTestClock(id: string): Stripe.TestHelpers.DeletedTestClock {
    const clock = this.getTestClock(id);
    for (const customer of [...this.core.state.customers.values()]) {
      if (customer.test_clock === id) this.customers.delete(customer.id);
    }
    this.core.state.testClocks.delete(id);
    this.core.events.emit('test_helpers.test_clock.deleted', clock, this.core.clock.globalNow());
    return { id, object: 'test_helpers.test_clock', deleted: true };
  }
}
