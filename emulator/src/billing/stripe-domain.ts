import { CatalogService } from './catalog';
import { CheckoutService } from './checkout';
import { CustomerService } from './customers';
import { EmulatorCore } from './emulator-core';
import { InvoiceService } from './invoices';
import { LifecycleScheduler } from './lifecycle';
import { PaymentService } from './payments';
import { PortalService } from './portal';
import { SubscriptionService } from './subscriptions';

/** The emulated Stripe account: every domain service over one shared core. API, pages and control API all call these. */
export class StripeDomain {
  readonly core: EmulatorCore;
  readonly catalog: CatalogService;
  readonly customers: CustomerService;
  readonly payments: PaymentService;
  readonly invoices: InvoiceService;
  readonly subscriptions: SubscriptionService;
  readonly checkout: CheckoutService;
  readonly portal: PortalService;
  readonly lifecycle: LifecycleScheduler;

  constructor(defaultApiVersion: string) {
    this.core = new EmulatorCore(defaultApiVersion);
    this.catalog = new CatalogService(this.core);
    this.customers = new CustomerService(this.core);
    this.payments = new PaymentService(this.core, this.customers);
    this.invoices = new InvoiceService(this.core, this.customers, this.payments);
    this.subscriptions = new SubscriptionService(
      this.core,
      this.customers,
      this.catalog,
      this.invoices,
    );
    this.checkout = new CheckoutService(
      this.core,
      this.catalog,
      this.customers,
      this.payments,
      this.invoices,
      this.subscriptions,
    );
    this.portal = new PortalService(this.core, this.customers, this.subscriptions);
    this.lifecycle = new LifecycleScheduler(
      this.core,
      this.customers,
      this.subscriptions,
      this.checkout,
    );
  }
}
