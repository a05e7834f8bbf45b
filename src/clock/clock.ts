/**
 * The time billing rules are judged at. Real time against Stripe; in sandbox mode the
 * emulator's clock, so that advancing emulated time (renewals, grace windows, period ends)
 * moves the service's sense of "now" with it.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };
