import { effectiveTrialDays, periodTypeOf } from '../../src/catalog/catalog.mappers';

describe('periodTypeOf', () => {
  const recurring = (interval: string, intervalCount: number) =>
    periodTypeOf({ type: 'RECURRING', interval, intervalCount, lifetime: false });

  it.each([
    ['day', 1, 'DAILY'],
    ['day', 7, 'WEEKLY'],
    ['day', 2, 'CUSTOM'],
    ['week', 1, 'WEEKLY'],
    ['week', 2, 'CUSTOM'],
    ['month', 1, 'MONTHLY'],
    ['month', 3, 'QUARTERLY'],
    ['month', 6, 'SEMIANNUAL'],
    ['month', 12, 'YEARLY'],
    ['month', 2, 'CUSTOM'],
    ['year', 1, 'YEARLY'],
    ['year', 2, 'CUSTOM'],
  ])('%s × %i → %s', (interval, count, expected) => {
    expect(recurring(interval, count)).toBe(expected);
  });

  it('names one-time prices by whether they grant for ever', () => {
    expect(
      periodTypeOf({ type: 'ONE_TIME', interval: null, intervalCount: null, lifetime: true }),
    ).toBe('ALL_TIME');
    expect(
      periodTypeOf({ type: 'ONE_TIME', interval: null, intervalCount: null, lifetime: false }),
    ).toBe('ONE_TIME');
  });

  it('treats a missing interval count as 1 and an unknown interval as custom', () => {
    expect(
      periodTypeOf({ type: 'RECURRING', interval: 'month', intervalCount: null, lifetime: false }),
    ).toBe('MONTHLY');
    expect(
      periodTypeOf({ type: 'RECURRING', interval: null, intervalCount: null, lifetime: false }),
    ).toBe('CUSTOM');
  });
});

describe('effectiveTrialDays', () => {
  it("prefers the price's own trial, falls back to TRIAL_DAYS, and gives none when trials are off", () => {
    expect(effectiveTrialDays(14, 7)).toBe(14);
    expect(effectiveTrialDays(null, 7)).toBe(7);
    expect(effectiveTrialDays(14, 0)).toBe(0);
    expect(effectiveTrialDays(null, 0)).toBe(0);
  });
});
