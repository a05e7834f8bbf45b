import { EventLog } from '../events/event-log';
import { EmulatorState } from '../store/emulator-state';
import { EmulatorClock } from '../time/emulator-clock';
import { eventMatchesEndpoint } from '../webhooks/webhook-dispatcher';

/** State, time and the event log: what every domain service shares. */
export class EmulatorCore {
  readonly state = new EmulatorState();
  readonly clock = new EmulatorClock(this.state);
  readonly events: EventLog;
  /** `http://host:port` once listening; pages and URLs in objects are built from it. */
  baseUrl = '';

  constructor(readonly defaultApiVersion: string) {
    this.events = new EventLog(this.state, defaultApiVersion, (type) => {
      let count = 0;
      for (const record of this.state.webhookEndpoints.values()) {
        if (eventMatchesEndpoint(record.endpoint, type)) count += 1;
      }
      return count;
    });
  }

  /** The test clock a customer lives on, if any. */
  testClockOf(customerId: string | null | undefined): string | null {
    if (!customerId) return null;
    const clock = this.state.customers.get(customerId)?.test_clock;
    return typeof clock === 'string' ? clock : null;
  }

  /** Now, for a customer: its test clock's frozen time, or the global clock. */
  nowFor(customerId: string | null | undefined): number {
    return this.clock.now(this.testClockOf(customerId));
  }
}
