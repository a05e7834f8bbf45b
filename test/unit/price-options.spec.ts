import { billingSchemeOf, isAddOn, seatBoundsOf } from '../../src/catalog/price-options';

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
