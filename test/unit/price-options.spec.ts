import {
  billingSchemeOf,
  isAddOn,
  seatBoundsOf,
  trialWithoutCardOf,
} from '../../src/catalog/price-options';
import { TRIAL_WITHOUT_CARD_VALUES } from '../../src/config/app-config';
import { paymentMethodRequired } from '../../src/subscriptions/subscription.presenter';

describe('catalog metadata: seats and add-ons', () => {
  it('reads per_seat from the price or its product, the price winning', () => {
    expect(billingSchemeOf({}, {})).toBe('flat');
    expect(billingSchemeOf({}, { per_seat: 'true' })).toBe('per_seat');
    expect(billingSchemeOf({ per_seat: 'false' }, { per_seat: 'true' })).toBe('flat');
    expect(billingSchemeOf(null, ['per_seat'])).toBe('flat');
  });

  it('gives a per-seat price its bounds: defaults 1–100, metadata above 100, bad values ignored', () => {
    expect(seatBoundsOf({}, {})).toBeNull();
    expect(seatBoundsOf({ per_seat: 'true' }, {})).toEqual({ min: 1, max: 100 });
    expect(seatBoundsOf({ seats_max: '500' }, { per_seat: 'true', seats_min: '3' })).toEqual({
      min: 3,
      max: 500,
    });
    expect(seatBoundsOf({ per_seat: 'true', seats_min: 'two', seats_max: '-4' }, {})).toEqual({
      min: 1,
      max: 100,
    });
    expect(seatBoundsOf({ per_seat: 'true', seats_min: '50', seats_max: '10' }, {})).toEqual({
      min: 10,
      max: 10,
    });
    expect(seatBoundsOf({ per_seat: 'true', seats_max: '9999999' }, {})).toEqual({
      min: 1,
      max: 1_000_000,
    });
    expect(seatBoundsOf({ per_seat: 'true', seats_max: '99999999' }, {})).toEqual({
      min: 1,
      max: 100,
    });
  });

  it('marks add-on products', () => {
    expect(isAddOn({ addon: 'true' })).toBe(true);
    expect(isAddOn({ addon: 'yes' })).toBe(false);
    expect(isAddOn(undefined)).toBe(false);
  });
});

describe('trials without a card', () => {
  const of = (price: unknown, product: unknown, fallback: 'off' | 'pause' | 'cancel' = 'off') =>
    trialWithoutCardOf(price, product, TRIAL_WITHOUT_CARD_VALUES, fallback);

  it('reads trial_without_card from the price, else its product, else the setting', () => {
    expect(of({}, {})).toBe('off');
    expect(of({}, {}, 'pause')).toBe('pause');
    expect(of({}, { trial_without_card: 'cancel' }, 'pause')).toBe('cancel');
    expect(of({ trial_without_card: 'off' }, { trial_without_card: 'cancel' }, 'pause')).toBe(
      'off',
    );
    expect(of({ trial_without_card: ' pause ' }, {})).toBe('pause');
    // An unreadable value falls back to the setting.
    expect(of({ trial_without_card: 'sometimes' }, {}, 'cancel')).toBe('cancel');
  });

  it('asks for a card while trialing or paused with none on file', () => {
    const row = (
      status: string,
      own: string | null,
      customer: string | null,
      behavior: string | null = 'pause',
    ) =>
      ({
        status,
        defaultPaymentMethodId: own,
        trialEndBehavior: behavior,
        account: { defaultPaymentMethodId: customer },
      }) as Parameters<typeof paymentMethodRequired>[0];
    expect(paymentMethodRequired(row('trialing', null, null))).toBe(true);
    expect(paymentMethodRequired(row('paused', null, null))).toBe(true);
    expect(paymentMethodRequired(row('trialing', 'pm_1', null))).toBe(false);
    expect(paymentMethodRequired(row('paused', null, 'pm_2'))).toBe(false);
    expect(paymentMethodRequired(row('active', null, null))).toBe(false);
    // Mirrored before cards were kept: not known to lack one.
    expect(paymentMethodRequired(row('trialing', null, null, null))).toBe(false);
  });
});
