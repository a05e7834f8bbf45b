import type Stripe from 'stripe';
import { changedAttributes } from '../events/event-log';
import {
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  resourceMissing,
} from '../http/stripe-error';
import { newId } from '../store/ids';
import type { EmulatorCore } from './emulator-core';
import type { ProductService } from './products';
import { wireDecimal } from './wire-decimal';

export interface PriceInput {
  /** Only the catalog seeder sets ids; Stripe's API does not accept them. */
  id?: string;
  product?: string;
  productData?: { name: string; metadata?: Record<string, string> };
  currency?: string;
  unitAmount?: number;
  active?: boolean;
  nickname?: string | null;
  lookupKey?: string | null;
  transferLookupKey?: boolean;
  metadata?: Record<string, string>;
  recurring?: {
    interval: Stripe.Price.Recurring.Interval;
    intervalCount?: number;
    trialPeriodDays?: number | null;
  } | null;
  taxBehavior?: Stripe.Price.TaxBehavior;
}

/** Prices. Stripe has no price delete: a price is archived with `active=false`. */
export class PriceService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly products: ProductService,
  ) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  get(id: string, param = 'id'): Stripe.Price {
    const price = this.core.state.prices.get(id);
    if (price === undefined) throw resourceMissing('price', id, param);
    return price;
  }

  /** A recurring, active price, as subscription items need. */
  recurring(priceId: string | undefined, param: string): Stripe.Price {
    if (priceId === undefined) throw parameterMissing(param);
    const price = this.get(priceId, param);
    if (price.recurring === null) {
      throw parameterInvalid(
        param,
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      );
    }
    if (!price.active)
      throw parameterInvalid(
        param,
        `The price specified is inactive. This field only accepts active prices.`,
      );
    return price;
  }

  /** Refuses an input `create` would refuse, before anything is written. */
  checkInput(input: PriceInput, prefix = '', productPending = false): void {
    const name = (key: string): string => (prefix === '' ? key : `${prefix}[${key}]`);
    if (input.currency === undefined) throw parameterMissing(name('currency'));
    if (input.product === undefined && input.productData === undefined)
      throw parameterMissing(name('product'));
    if (input.product !== undefined && !productPending) this.products.get(input.product, 'product');
    if (input.unitAmount === undefined) throw parameterMissing(name('unit_amount'));
    if (input.unitAmount < 0)
      throw parameterInvalid(name('unit_amount'), 'This value must be greater than or equal to 0.');
    if (input.id !== undefined && this.core.state.prices.has(input.id))
      throw invalidRequest('Price already exists.', 'resource_already_exists', 'id');
    if (input.lookupKey && input.transferLookupKey !== true)
      this.checkLookupKeyFree(input.lookupKey);
  }

  create(input: PriceInput): Stripe.Price {
    this.checkInput(input);
    let productId = input.product;
    if (productId === undefined && input.productData !== undefined) {
      productId = this.products.create({
        name: input.productData.name,
        metadata: input.productData.metadata,
      }).id;
    }
    const now = this.now();
    if (input.lookupKey) this.releaseLookupKey(input.lookupKey);
    const recurring = input.recurring ?? null;
    const unitAmount = input.unitAmount as number;
    const price: Stripe.Price = {
      id: input.id ?? newId('price'),
      object: 'price',
      active: input.active ?? true,
      billing_scheme: 'per_unit',
      created: now,
      currency: (input.currency as string).toLowerCase(),
      custom_unit_amount: null,
      livemode: false,
      lookup_key: input.lookupKey ?? null,
      metadata: input.metadata ?? {},
      nickname: input.nickname ?? null,
      product: productId as string,
      recurring:
        recurring === null
          ? null
          : {
              interval: recurring.interval,
              interval_count: recurring.intervalCount ?? 1,
              meter: null,
              trial_period_days: recurring.trialPeriodDays ?? null,
              usage_type: 'licensed',
            },
      tax_behavior: input.taxBehavior ?? 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: recurring === null ? 'one_time' : 'recurring',
      unit_amount: unitAmount,
      unit_amount_decimal: wireDecimal(unitAmount),
    };
    this.core.state.prices.put(price);
    this.core.events.emit('price.created', price, now);
    return price;
  }

  /** A lookup key belongs to one price; `transfer_lookup_key` moves it, otherwise reuse is an error. */
  private checkLookupKeyFree(lookupKey: string): void {
    for (const other of this.core.state.prices.values()) {
      if (other.lookup_key === lookupKey)
        throw invalidRequest(
          `A price (\`${other.id}\`) already uses that lookup key. Specify \`transfer_lookup_key\` to transfer it to this price.`,
          undefined,
          'lookup_key',
        );
    }
  }

  private releaseLookupKey(lookupKey: string): void {
    for (const other of this.core.state.prices.values()) {
      if (other.lookup_key !== lookupKey) continue;
      const before = structuredClone(other);
      other.lookup_key = null;
      this.core.events.emit('price.updated', other, this.now(), changedAttributes(before, other));
    }
  }

  update(id: string, input: PriceInput): Stripe.Price {
    const price = this.get(id);
    const lookupKeyChanges = input.lookupKey !== undefined && input.lookupKey !== price.lookup_key;
    if (lookupKeyChanges && input.lookupKey && input.transferLookupKey !== true)
      this.checkLookupKeyFree(input.lookupKey);
    const before = structuredClone(price);
    if (input.active !== undefined) price.active = input.active;
    if (input.nickname !== undefined) price.nickname = input.nickname;
    if (input.metadata !== undefined) price.metadata = input.metadata;
    if (input.taxBehavior !== undefined) price.tax_behavior = input.taxBehavior;
    if (lookupKeyChanges) {
      if (input.lookupKey) this.releaseLookupKey(input.lookupKey);
      price.lookup_key = input.lookupKey ?? null;
    }
    const previous = changedAttributes(before, price);
    if (Object.keys(previous).length > 0)
      this.core.events.emit('price.updated', price, this.now(), previous);
    return price;
  }
}
