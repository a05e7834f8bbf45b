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
import type { PriceInput, PriceService } from './prices';

export interface ProductInput {
  id?: string;
  name?: string;
  description?: string | null;
  active?: boolean;
  metadata?: Record<string, string>;
  defaultPrice?: string | null;
  defaultPriceData?: Omit<PriceInput, 'product'>;
  images?: string[];
  url?: string | null;
  unitLabel?: string | null;
  statementDescriptor?: string | null;
  taxCode?: string | null;
  marketingFeatures?: string[];
}

/** Stripe's product tax codes look like `txcd_10000000`; the emulator knows them all. */
const TAX_CODE = /^txcd_\d{8}$/;

function checkTaxCode(taxCode: string | null | undefined): void {
  if (taxCode && !TAX_CODE.test(taxCode)) throw resourceMissing('tax_code', taxCode, 'tax_code');
}

/** Products. Seeding goes through here too, so it emits events. */
export class ProductService {
  /** Set once the price service exists (prices and products refer to each other). */
  prices!: PriceService;

  constructor(private readonly core: EmulatorCore) {}

  private now(): number {
    return this.core.clock.globalNow();
  }

  get(id: string, param = 'id'): Stripe.Product {
    const product = this.core.state.products.get(id);
    if (product === undefined) throw resourceMissing('product', id, param);
    return product;
  }

  /** The product's name, for line descriptions. */
  nameOf(productId: string): string {
    return this.core.state.products.get(productId)?.name ?? productId;
  }

  create(input: ProductInput): Stripe.Product {
    if (input.name === undefined || input.name === '') throw parameterMissing('name');
    const id = input.id ?? newId('prod', 14);
    if (this.core.state.products.has(id)) {
      throw invalidRequest(`Product already exists.`, 'resource_already_exists', 'id');
    }
    checkTaxCode(input.taxCode);
    if (input.defaultPriceData !== undefined)
      this.prices.checkInput(
        { ...input.defaultPriceData, product: id },
        'default_price_data',
        true,
      );
    const now = this.now();
    const product: Stripe.Product = {
      id,
      object: 'product',
      active: input.active ?? true,
      created: now,
      default_price: null,
      description: input.description ?? null,
      images: input.images ?? [],
      livemode: false,
      marketing_features: (input.marketingFeatures ?? []).map((name) => ({ name })),
      metadata: input.metadata ?? {},
      name: input.name,
      package_dimensions: null,
      shippable: null,
      statement_descriptor: input.statementDescriptor ?? null,
      tax_code: input.taxCode ?? null,
      tax_details: null,
      type: 'service',
      unit_label: input.unitLabel ?? null,
      updated: now,
      url: input.url ?? null,
    };
    this.core.state.products.put(product);
    this.core.events.emit('product.created', product, now);
    if (input.defaultPriceData !== undefined) {
      const price = this.prices.create({ ...input.defaultPriceData, product: id });
      this.update(id, { defaultPrice: price.id });
    }
    return product;
  }

  update(id: string, input: ProductInput): Stripe.Product {
    const product = this.get(id);
    checkTaxCode(input.taxCode);
    if (input.defaultPrice) {
      const price = this.prices.get(input.defaultPrice, 'default_price');
      if (price.product !== id)
        throw parameterInvalid(
          'default_price',
          `The price ${price.id} does not belong to product ${id}.`,
        );
    }
    const before = structuredClone(product);
    if (input.name !== undefined) product.name = input.name;
    if (input.description !== undefined) product.description = input.description;
    if (input.active !== undefined) product.active = input.active;
    if (input.metadata !== undefined) product.metadata = input.metadata;
    if (input.images !== undefined) product.images = input.images;
    if (input.url !== undefined) product.url = input.url;
    if (input.unitLabel !== undefined) product.unit_label = input.unitLabel;
    if (input.statementDescriptor !== undefined)
      product.statement_descriptor = input.statementDescriptor;
    if (input.taxCode !== undefined) product.tax_code = input.taxCode;
    if (input.marketingFeatures !== undefined)
      product.marketing_features = input.marketingFeatures.map((name) => ({ name }));
    if (input.defaultPrice !== undefined) product.default_price = input.defaultPrice;
    const previous = changedAttributes(before, product);
    if (Object.keys(previous).length > 0) {
      product.updated = Math.max(this.now(), product.updated);
      previous.updated = before.updated;
      this.core.events.emit('product.updated', product, this.now(), previous);
    }
    return product;
  }

  delete(id: string): Stripe.DeletedProduct {
    const product = this.get(id);
    for (const price of this.core.state.prices.values()) {
      if (price.product === id) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
        );
      }
    }
    this.core.state.products.delete(id);
    this.core.events.emit('product.deleted', product, this.now());
    return { id, object: 'product', deleted: true };
  }
}
