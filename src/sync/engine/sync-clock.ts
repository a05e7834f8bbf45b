import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../../clock/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { StateBounds } from './state';

/**
 * Stripe's time as this service can bound it. A fetched object is the state at some instant
 * between the request's start and its end; on Stripe's clock that is within
 * [start − skew, end + skew) when this service's clock (the emulator's in sandbox mode) is
 * within SYNC_CLOCK_SKEW_SECONDS of Stripe's. Two cross-checks keep the bounds honest:
 * a fetch that an event caused is at least as new as that event (it was asked after the event
 * was received), and an event created after our "now" + skew proves our clock behind Stripe's —
 * from then on fetches get no upper bound (only their counters and content order them).
 */
@Injectable()
export class SyncClock {
  private readonly logger = new Logger(SyncClock.name);
  private readonly skew: number;
  private clockBehindUntil = 0;

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.skew = config.sync.clockSkewSeconds;
  }

  nowSeconds(): number {
    return this.clock.now().getTime() / 1000;
  }

  /** Every verified event tells us Stripe's clock had reached its `created`. */
  observeEvent(created: number): void {
    const now = this.nowSeconds();
    if (created > now + this.skew) {
      if (this.clockBehindUntil < now)
        this.logger.warn(
          { eventCreated: created, now: Math.floor(now), skewSeconds: this.skew },
          "an event is newer than this service's clock allows: fetched states get no upper bound for an hour",
        );
      this.clockBehindUntil = now + 3600;
    }
  }

  /** The bounds of a state fetched between `startedAt` and `endedAt` (seconds, our clock). */
  fetchBounds(startedAt: number, endedAt: number, causedBy?: number): StateBounds {
    const from = Math.max(Math.floor(startedAt - this.skew), causedBy ?? -Infinity);
    const trusted = this.clockBehindUntil < endedAt;
    // Strictly after the end: a clock read in whole seconds (the emulator's) is up to a second
    // behind the instant it names.
    return { from, until: trusted ? Math.floor(endedAt + this.skew) + 1 : null };
  }
}
