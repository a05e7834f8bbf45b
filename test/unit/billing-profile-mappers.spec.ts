import {
  planTaxIds,
  toBillingProfileDto,
  toStripeAddress,
  type BillingProfileRow,
} from '../../src/billing-profile/billing-profile.mappers';

const EMPTY: BillingProfileRow = {
  email: 'a@b.c',
  billingName: null,
  billingAddressLine1: null,
  billingAddressLine2: null,
  billingAddressCity: null,
  billingAddressState: null,
  billingAddressPostalCode: null,
  billingAddressCountry: null,
};

describe('billing profile mappers', () => {
  it('presents the mirrored row: no address parts is no address', () => {
    expect(toBillingProfileDto(EMPTY, [])).toEqual({
      name: null,
      email: 'a@b.c',
      address: null,
      taxIds: [],
    });
    expect(
      toBillingProfileDto({ ...EMPTY, billingName: 'Beispiel GmbH', billingAddressCountry: 'DE' }, [
        {
          stripeId: 'txi_1',
          type: 'eu_vat',
          value: 'DE123456789',
          country: 'DE',
          verificationStatus: 'pending',
        },
      ]),
    ).toEqual({
      name: 'Beispiel GmbH',
      email: 'a@b.c',
      address: {
        line1: null,
        line2: null,
        city: null,
        state: null,
        postalCode: null,
        country: 'DE',
      },
      taxIds: [
        {
          id: 'txi_1',
          type: 'eu_vat',
          value: 'DE123456789',
          country: 'DE',
          verificationStatus: 'pending',
        },
      ],
    });
  });

  it("turns an address into Stripe's parameters: parts left out are not sent, null unsets", () => {
    expect(toStripeAddress({ city: 'Paris', postalCode: '75001', country: 'FR' })).toEqual({
      city: 'Paris',
      postal_code: '75001',
      country: 'FR',
    });
    expect(toStripeAddress(null)).toBe('');
  });

  it('plans a full replacement of the tax ids: keep, add, remove; same id spelled twice once', () => {
    const existing = [
      { id: 'txi_de', type: 'eu_vat', value: 'DE123456789' },
      { id: 'txi_gb', type: 'gb_vat', value: 'GB123456789' },
    ];
    expect(
      planTaxIds(existing, [
        { type: 'eu_vat', value: 'de 123456789' },
        { type: 'us_ein', value: '12-3456789' },
        { type: 'us_ein', value: '12-3456789 ' },
      ]),
    ).toEqual({ add: [{ type: 'us_ein', value: '12-3456789' }], remove: ['txi_gb'] });
    expect(planTaxIds(existing, [])).toEqual({ add: [], remove: ['txi_de', 'txi_gb'] });
    // The same value under another type is another tax id.
    expect(planTaxIds(existing, [{ type: 'gb_vat', value: 'DE123456789' }])).toEqual({
      add: [{ type: 'gb_vat', value: 'DE123456789' }],
      remove: ['txi_de', 'txi_gb'],
    });
  });
});
