import type Stripe from 'stripe';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { LifecycleScheduler } from './lifecycle';

/** Test clocks: frozen time for a customer and everything of theirs, advanced on request. */
export class TestClockService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly scheduler: LifecycleScheduler,
  ) {}

  get(id: string): Stripe.TestHelpers.TestClock {
    const clock = this.core.state.testClocks.get(id);
    if (clock === undefined) throw resourceMissing('test_helpers.test_clock', id);
    return clock;
  }

  create(input: { frozenTime?: number; name?: string | null }): Stripe.TestHelpers.TestClock {
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
  advance(id: string, frozenTime: number | undefined): Stripe.TestHelpers.TestClock {
    const clock = this.get(id);
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
    this.scheduler.advance(id, frozenTime);
    clock.status = 'ready';
    this.core.events.emit('test_helpers.test_clock.ready', clock, this.core.clock.globalNow());
    return clock;
  }

  /** Deleting a clock deletes its customers (and so cancels their subscriptions), as Stripe does. */
  delete(id: string): Stripe.TestHelpers.DeletedTestClock {
    const clock = this.get(id);
    for (const customer of [...this.core.state.customers.values()]) {
      if (customer.test_clock === id) this.customers.delete(customer.id);
    }
    this.core.state.testClocks.delete(id);
    this.core.events.emit('test_helpers.test_clock.deleted', clock, this.core.clock.globalNow());
    return { id, object: 'test_helpers.test_clock', deleted: true };
  }
}
