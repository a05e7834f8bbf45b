import type { EmulatorState } from '../store/emulator-state';

/**
 * Emulated time. Objects on a test clock live at that clock's `frozen_time`; every other object
 * lives on the global clock, which is wall time plus an offset the control API can advance, so
 * that tests can move objects the app created for ordinary customers through renewals. The
 * offset is state like any other: persisted, and undone with a request that fails.
 */
export class EmulatorClock {
  constructor(private readonly state: EmulatorState) {}

  private get offsetSeconds(): number {
    return this.state.globalClock.get('offsetSeconds') ?? 0;
  }

  globalNow(): number {
    return Math.floor(Date.now() / 1000) + this.offsetSeconds;
  }

  /** Seconds the global clock is ahead of wall time. */
  get offset(): number {
    return this.offsetSeconds;
  }

  /**
   * Keeps the global clock at least `seconds` ahead of wall time: an advance by N seconds moves
   * the clock by N even when a wall-clock second ticks while it processes what fell due.
   */
  keepOffsetAtLeast(seconds: number): void {
    if (seconds > this.offsetSeconds) this.state.globalClock.set('offsetSeconds', seconds);
  }

  setGlobalTime(unixSeconds: number): void {
    this.state.globalClock.set('offsetSeconds', unixSeconds - Math.floor(Date.now() / 1000));
  }

  reset(): void {
    this.state.globalClock.delete('offsetSeconds');
  }

  now(testClockId: string | null | undefined): number {
    if (testClockId) {
      const clock = this.state.testClocks.get(testClockId);
      if (clock !== undefined) return clock.frozen_time;
    }
    return this.globalNow();
  }
}
