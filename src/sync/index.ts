/**
 * The sync engine's front door: the only module of `src/sync` that code outside it imports
 * (enforced by lint). Everything else in the folder is the engine's own business.
 */
export { SyncModule } from './sync.module';
export {
  BillingSync,
  EventDeferredError,
  EventFailedError,
  type CatalogSyncReport,
  type EventOutcome,
  type ReceiveOutcome,
  type ResyncReport,
} from './billing-sync';
export type { SyncEffects } from './engine/sync-effects';
export { isStripeEvent, HANDLED_EVENT_TYPES } from './kinds/registry';
export { CHECKOUT_RECEIPT_SOURCE } from './kinds/invoice.kind';
export type { DriftReport } from './resync/drift';
