import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Marks the code that runs inside a database transaction, so that a network call made there can
 * be caught: no Stripe call may wait while a transaction holds a pool connection and its locks
 * (DESIGN §6). The transaction helpers enter it; the Stripe client checks it.
 */
const openTransaction = new AsyncLocalStorage<{ label: string }>();

export function runInTransactionContext<T>(label: string, work: () => Promise<T>): Promise<T> {
  return openTransaction.run({ label }, work);
}

/** The label of the transaction open around the caller, if any. */
export function currentTransaction(): string | undefined {
  return openTransaction.getStore()?.label;
}

/** Code that must never run inside a transaction runs here (a fetch started by a waiter). */
export function outsideTransaction<T>(work: () => T): T {
  return openTransaction.exit(work);
}
