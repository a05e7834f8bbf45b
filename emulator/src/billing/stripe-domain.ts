import { AutomaticTaxService } from './automatic-tax';
import { BillingSettingsStore } from './billing-settings';
import { ChargeService } from './charges';
import { CheckoutCompletion } from './checkout-completion';
import { CheckoutInvoices } from './checkout-invoice';
import { CheckoutSessionService } from './checkout-sessions';
import { CouponService } from './coupons';
import { CreatePreview } from './create-preview';
import { CustomerService } from './customers';
import { DiscountService } from './discounts';
import { EmulatorCore } from './emulator-core';
import { InvoiceCollection } from './invoice-collection';
import { InvoicePreviews } from './invoice-preview';
import { InvoiceService } from './invoices';
import { LifecycleScheduler } from './lifecycle';
import { PaymentIntentService } from './payment-intents';
import { PaymentMethodService } from './payment-methods';
import { PendingUpdates } from './pending-updates';
import { PortalService } from './portal';
import { PriceService } from './prices';
import { ProductService } from './products';
import { PromotionCodeService } from './promotion-codes';
import { RefundService } from './refunds';
import { SubscriptionBilling } from './subscription-billing';
import { SubscriptionCreation } from './subscription-creation';
import { SubscriptionDunning } from './subscription-dunning';
import { SubscriptionItems } from './subscription-items';
import { SubscriptionLifecycle } from './subscription-lifecycle';
import { SubscriptionStatus } from './subscription-status';
import { SubscriptionUpdates } from './subscription-updates';
import { SubscriptionService } from './subscriptions';
import { TaxIdService } from './tax-ids';
import { TaxRateService } from './tax-rates';
import { TestClockService } from './test-clocks';

/** The catalog services, as the catalog seeder uses them. */
export interface Catalog {
  products: ProductService;
  prices: PriceService;
  coupons: CouponService;
  promotionCodes: PromotionCodeService;
}

/**
 * The emulated Stripe account: one service per resource over one shared core. The API routes,
 * the pages and the control API all call these.
 */
export class StripeDomain {
  readonly core: EmulatorCore;
  /** Billing settings (Stripe keeps them in its Dashboard): retries, notices, finalization. */
  readonly settings: BillingSettingsStore;
  readonly products: ProductService;
  readonly prices: PriceService;
  readonly coupons: CouponService;
  readonly promotionCodes: PromotionCodeService;
  readonly catalog: Catalog;
  readonly discounts: DiscountService;
  readonly paymentMethods: PaymentMethodService;
  readonly customers: CustomerService;
  readonly charges: ChargeService;
  readonly paymentIntents: PaymentIntentService;
  readonly refunds: RefundService;
  readonly taxRates: TaxRateService;
  /** Stripe Tax, emulated with a fixed rate table (automatic-tax.ts). */
  readonly automaticTax: AutomaticTaxService;
  readonly taxIds: TaxIdService;
  readonly invoices: InvoiceService;
  readonly invoicePreviews: InvoicePreviews;
  /** `invoices.create_preview`. */
  readonly createPreview: CreatePreview;
  readonly subscriptions: SubscriptionService;
  readonly checkoutSessions: CheckoutSessionService;
  /** Paying a Checkout Session (hosted page, control API). */
  readonly checkout: CheckoutCompletion;
  readonly portal: PortalService;
  readonly lifecycle: LifecycleScheduler;
  readonly testClocks: TestClockService;

  /** `billingSettings`: start options over Stripe's defaults (see billing-settings.ts). */
  constructor(defaultApiVersion: string, billingSettings: unknown = {}) {
    const core = new EmulatorCore(defaultApiVersion);
    this.core = core;
    this.settings = new BillingSettingsStore(core.state, billingSettings);
    this.products = new ProductService(core);
    this.prices = new PriceService(core, this.products);
    this.products.prices = this.prices;
    this.coupons = new CouponService(core);
    this.promotionCodes = new PromotionCodeService(core, this.coupons);
    this.catalog = {
      products: this.products,
      prices: this.prices,
      coupons: this.coupons,
      promotionCodes: this.promotionCodes,
    };
    this.discounts = new DiscountService(core, this.coupons, this.promotionCodes);
    this.paymentMethods = new PaymentMethodService(core);
    this.customers = new CustomerService(core, this.paymentMethods);
    this.charges = new ChargeService(core);
    this.paymentIntents = new PaymentIntentService(core, this.paymentMethods, this.charges);
    this.refunds = new RefundService(core, this.charges, this.paymentIntents);
    this.paymentIntents.refunds = this.refunds;
    this.taxRates = new TaxRateService(core);
    this.automaticTax = new AutomaticTaxService(core);
    this.taxIds = new TaxIdService(core, this.customers);
    const collection = new InvoiceCollection(core, this.customers, this.paymentIntents);
    this.invoices = new InvoiceService(
      core,
      this.customers,
      this.discounts,
      collection,
      this.settings,
      this.automaticTax,
    );

    const status = new SubscriptionStatus(core);
    const items = new SubscriptionItems(core, this.prices, this.products);
    const billing = new SubscriptionBilling(core, this.invoices, this.discounts, items, status);
    this.invoicePreviews = new InvoicePreviews(core, this.discounts, billing, this.automaticTax);
    this.createPreview = new CreatePreview(
      core,
      this.customers,
      this.discounts,
      items,
      billing,
      this.invoicePreviews,
      this.taxRates,
    );
    const pendingUpdates = new PendingUpdates(core, this.invoices, items, billing, status);
    const dunning = new SubscriptionDunning(
      core,
      this.invoices,
      status,
      this.settings,
      this.paymentMethods,
      pendingUpdates,
    );
    const lifecycle = new SubscriptionLifecycle(
      core,
      this.invoices,
      items,
      billing,
      status,
      this.settings,
      this.invoicePreviews,
      pendingUpdates,
      dunning,
    );
    const creation = new SubscriptionCreation(
      core,
      this.customers,
      this.paymentMethods,
      this.invoices,
      this.discounts,
      items,
      billing,
      lifecycle,
      status,
      this.taxRates,
    );
    const updates = new SubscriptionUpdates(
      core,
      this.paymentMethods,
      this.discounts,
      items,
      billing,
      lifecycle,
      status,
      pendingUpdates,
      this.taxRates,
    );
    this.subscriptions = new SubscriptionService(
      core,
      this.customers,
      items,
      billing,
      lifecycle,
      status,
      creation,
      updates,
    );
    this.checkoutSessions = new CheckoutSessionService(
      core,
      this.prices,
      this.customers,
      this.discounts,
      this.automaticTax,
    );
    this.checkout = new CheckoutCompletion(
      core,
      this.checkoutSessions,
      this.customers,
      this.paymentMethods,
      this.paymentIntents,
      this.discounts,
      this.subscriptions,
      new CheckoutInvoices(core, this.invoices),
      this.taxIds,
    );
    this.portal = new PortalService(core, this.customers, this.subscriptions);
    this.lifecycle = new LifecycleScheduler(
      core,
      lifecycle,
      this.checkoutSessions,
      this.paymentIntents,
      this.invoices,
    );
    this.testClocks = new TestClockService(core, this.customers, this.lifecycle);
  }
}
