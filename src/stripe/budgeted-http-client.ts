import Stripe from 'stripe';
import { Counter } from 'prom-client';
import { currentTransaction } from '../common/transaction-context';
import type { MetricsRegistry } from '../common/metrics.registry';
import { currentCallContext } from './stripe-call-context';
import { StripeBudgetExhaustedError, type StripeBudget } from './stripe-budget';

type InnerClient = ReturnType<typeof Stripe.createNodeHttpClient>;
type Response = Awaited<ReturnType<InnerClient['makeRequest']>>;

/** The header a refusal of the gate carries (the SDK turns it into its usual errors). */
export const GATE_HEADER = 'billing-stripe-gate';

export type GateRefusal = 'in-transaction' | 'budget-exhausted';

/** Why the gate refused a call, read back from the error the SDK raised for it. */
export function gateRefusalOf(error: unknown): GateRefusal | null {
  if (!(error instanceof Stripe.errors.StripeError)) return null;
  const value = (error.headers as Record<string, unknown> | undefined)?.[GATE_HEADER];
  return value === 'in-transaction' || value === 'budget-exhausted' ? value : null;
}

/**
 * The gate's answer instead of Stripe's, in Stripe's error shape and with `Stripe-Should-Retry:
 * false`, so that the SDK raises its usual error at once rather than retrying: a 500 for a call
 * made inside a transaction (a bug), a 429 when the budget has no token before the deadline
 * (users then see Stripe as unavailable, never a 429; an event is deferred).
 */
class RefusedResponse extends Stripe.HttpClientResponse {
  private readonly body: unknown;

  constructor(reason: GateRefusal, message: string) {
    super(reason === 'in-transaction' ? 500 : 429, {
      'stripe-should-retry': 'false',
      'request-id': `req_gate_${reason}`,
      [GATE_HEADER]: reason,
    });
    this.body = {
      error: {
        type: reason === 'in-transaction' ? 'api_error' : 'invalid_request_error',
        code: reason === 'in-transaction' ? 'call_in_transaction' : 'rate_limit',
        message,
      },
    };
  }

  override getRawResponse(): unknown {
    return null;
  }

  override toStream(): unknown {
    throw new Error('a refused Stripe call has no stream');
  }

  override toJSON(): Promise<unknown> {
    return Promise.resolve(this.body);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SDK's HTTP client, wrapped so that every Stripe call — whatever code makes it — is
 * refused inside a database transaction, waits for a token of the shared budget, is counted by
 * purpose, and backs off and retries when Stripe answers 429 (a rate-limited request did
 * nothing at Stripe, and POSTs carry an idempotency key, so the retry is safe).
 */
export class BudgetedHttpClient extends Stripe.HttpClient {
  private readonly inner: InnerClient = Stripe.createNodeHttpClient();
  private readonly calls: Counter<'purpose' | 'outcome'>;
  private readonly rateLimited: Counter<'purpose'>;
  private readonly inTransaction: Counter;

  constructor(
    private readonly budget: StripeBudget,
    registry: MetricsRegistry,
    private readonly retriesOn429 = 5,
  ) {
    super();
    this.calls = new Counter({
      name: 'billing_stripe_calls_total',
      help: 'Requests sent to Stripe, by purpose and outcome (ok, error, rate_limited; deferred: refused by the budget).',
      labelNames: ['purpose', 'outcome'],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'billing_stripe_rate_limited_total',
      help: 'Answers 429 from Stripe (each backed off and retried), by purpose.',
      labelNames: ['purpose'],
      registers: [registry],
    });
    this.inTransaction = new Counter({
      name: 'billing_stripe_calls_in_transaction_total',
      help: 'Stripe calls refused because a database transaction was open (must stay 0).',
      registers: [registry],
    });
  }

  override getClientName(): string {
    return 'node-budgeted';
  }

  override async makeRequest(
    host: string,
    port: string,
    path: string,
    method: string,
    headers: Parameters<InnerClient['makeRequest']>[4],
    requestData: string,
    protocol: string,
    timeout: number,
  ): Promise<Response> {
    const transaction = currentTransaction();
    if (transaction !== undefined) {
      this.inTransaction.inc();
      return new RefusedResponse(
        'in-transaction',
        `Stripe was called inside the database transaction "${transaction}".`,
      ) as unknown as Response;
    }
    const { purpose, deadline } = currentCallContext();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.budget.acquire(purpose, deadline);
      } catch (error) {
        if (!(error instanceof StripeBudgetExhaustedError)) throw error;
        this.calls.inc({ purpose, outcome: 'deferred' });
        return new RefusedResponse('budget-exhausted', error.message) as unknown as Response;
      }
      let response: Response;
      try {
        response = await this.inner.makeRequest(
          host,
          port,
          path,
          method,
          headers,
          requestData,
          protocol,
          timeout,
        );
      } catch (error) {
        this.calls.inc({ purpose, outcome: 'error' });
        throw error;
      }
      if (response.getStatusCode() !== 429 || attempt >= this.retriesOn429) {
        this.calls.inc({ purpose, outcome: response.getStatusCode() < 400 ? 'ok' : 'error' });
        return response;
      }
      this.calls.inc({ purpose, outcome: 'rate_limited' });
      this.rateLimited.inc({ purpose });
      // Exponential back-off with jitter: 250 ms, 500 ms, 1 s, … (Stripe's own advice).
      const backoff = 250 * 2 ** attempt;
      const waitMs = backoff / 2 + Math.random() * (backoff / 2);
      // Past the caller's deadline the 429 is its answer (a background call is then deferred).
      if (deadline !== undefined && Date.now() + waitMs > deadline) return response;
      response.dispose?.();
      (response.getRawResponse() as { resume?: () => void }).resume?.();
      await sleep(waitMs);
    }
  }
}
