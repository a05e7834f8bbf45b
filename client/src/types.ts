import type { components, operations, paths } from './generated/schema.js';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** The one shape of every error (DESIGN §4). */
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
/** Every code the API answers with. */
export type ErrorCode = ErrorEnvelope['error_code'];

type ErrorBodies<R> = {
  [S in keyof R]: S extends 200 | 201 | 204
    ? never
    : R[S] extends { content: { 'application/json': infer Body } }
      ? Body
      : never;
}[keyof R];

/**
 * The error codes one operation documents, e.g.
 * `ErrorCodeOf<'CheckoutController_create'>` = `'VALIDATION_FAILED' | … | 'ALREADY_PURCHASED'`.
 */
export type ErrorCodeOf<Operation extends keyof operations> =
  ErrorBodies<operations[Operation]['responses']> extends { error_code: infer Code } ? Code : never;

export type PublicConfig = Schemas['PublicConfigDto'];
export type AccountView = Schemas['AccountViewDto'];
export type Product = Schemas['ProductDto'];
export type Price = Schemas['PriceDto'];
export type PriceWithProduct = Schemas['PriceWithProductDto'];
export type PeriodType = Price['periodType'];
export type CheckoutSessionRequest = Schemas['CreateCheckoutSessionDto'];
export type CheckoutSessionCreated = Schemas['CheckoutSessionCreatedDto'];
export type CheckoutSessionStatus = Schemas['CheckoutSessionStatusDto'];
export type PortalSessionRequest = Schemas['CreatePortalSessionDto'];
export type PortalSession = Schemas['PortalSessionDto'];
export type Subscription = Schemas['SubscriptionDto'];
export type SubscriptionStatus = Subscription['status'];
export type CancelSubscriptionRequest = Schemas['CancelSubscriptionDto'];
export type ChangeSubscriptionRequest = Schemas['ChangeSubscriptionDto'];
export type Payment = Schemas['PaymentDto'];
export type PaymentPage = Schemas['PaymentPageDto'];
export type PaymentQuery = NonNullable<
  operations['PaymentsController_list']['parameters']['query']
>;
export type Invoice = Schemas['InvoiceDto'];
export type InvoiceLine = Schemas['InvoiceLineDto'];
export type InvoicePage = Schemas['InvoicePageDto'];
export type InvoiceQuery = NonNullable<
  operations['InvoicesController_list']['parameters']['query']
>;
export type PaymentMethod = Schemas['PaymentMethodDto'];
export type SetupSessionRequest = Schemas['CreateSetupSessionDto'];
export type SetupSession = Schemas['SetupSessionDto'];
export type BillingProfile = Schemas['BillingProfileDto'];
export type BillingProfileUpdate = Schemas['UpdateBillingProfileDto'];
export type Purchase = Schemas['PurchaseDto'];
export type Entitlements = Schemas['EntitlementsDto'];
export type FeatureEntitlement = Schemas['FeatureEntitlementDto'];
export type CatalogQuery = NonNullable<
  operations['CatalogController_listProducts']['parameters']['query']
>;
export type SandboxSignInRequest = Schemas['SandboxSignInDto'];
export type SandboxToken = Schemas['SandboxTokenDto'];
