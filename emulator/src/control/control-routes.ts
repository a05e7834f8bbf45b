import { parseCatalogDocument, seedCatalog } from '../billing/catalog-seed';
import { parseCheckoutPayment } from '../billing/checkout-completion';
import type { StripeDomain } from '../billing/stripe-domain';
import type { ControlHandler } from '../http/emulator-server';
import { parseRealismPatch, type RealismOptions } from '../http/realism';
import type { RequestCounters } from '../http/request-counters';
import type { Router } from '../http/router';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/stripe-error';
import {
  RETRY_SCHEDULES,
  type RetrySchedule,
  type WebhookDeliveryOptions,
  type WebhookDispatcher,
} from '../webhooks/webhook-dispatcher';

export interface ControlDependencies {
  domain: StripeDomain;
  dispatcher: WebhookDispatcher;
  /** The realism switches in force, and a way to change some of them. */
  realism: {
    get: () => RealismOptions;
    update: (patch: Partial<RealismOptions>) => RealismOptions;
  };
  counters: RequestCounters;
  reset: () => void;
  defaultCatalog: () => unknown;
  /** Runs once the control request's atomic step has committed. */
  afterCommit: (callback: () => void) => void;
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalidRequest(`\`${key}\` must be a number.`, 'parameter_invalid', key);
  return value;
}

/** The JSON control API under `/_emulator/` (no auth; for tests and the sandbox). See emulator/README.md. */
export function registerControlRoutes(
  router: Router<ControlHandler>,
  deps: ControlDependencies,
): void {
  const { domain, dispatcher } = deps;

  router.add('POST', '/_emulator/reset', ({ body }) => {
    deps.reset();
    if (body.seed === true)
      seedCatalog(domain.catalog, domain.core.state, parseCatalogDocument(deps.defaultCatalog()));
    return { ok: true };
  });

  router.add('POST', '/_emulator/catalog/seed', ({ body }) => {
    const document = Object.keys(body).length === 0 ? deps.defaultCatalog() : body;
    return seedCatalog(domain.catalog, domain.core.state, parseCatalogDocument(document));
  });

  router.add('POST', '/_emulator/checkout/sessions/:id/complete', ({ body, pathParams }) => {
    return domain.core.events.withOrigin(null, () =>
      domain.checkout.complete(pathParams.id, parseCheckoutPayment(body)),
    );
  });

  router.add('GET', '/_emulator/clock', () => ({
    now: domain.core.clock.globalNow(),
    realNow: Math.floor(Date.now() / 1000),
  }));

  router.add('POST', '/_emulator/clock/advance', ({ body }) => {
    const seconds = optionalNumber(body, 'seconds');
    const to = optionalNumber(body, 'to');
    const offsetBefore = domain.core.clock.offset;
    const current = domain.core.clock.globalNow();
    const target = to ?? (seconds !== undefined ? current + seconds : undefined);
    if (target === undefined) throw parameterMissing('seconds');
    if (target < current)
      throw invalidRequest(
        'The clock only moves forward.',
        'parameter_invalid',
        to !== undefined ? 'to' : 'seconds',
      );
    domain.core.events.withOrigin(null, () => domain.lifecycle.advance(null, target));
    // Time that passed while it processed is not taken off the advance (what falls due in it is
    // processed by the next catch-up).
    if (to === undefined && seconds !== undefined)
      domain.core.clock.keepOffsetAtLeast(offsetBefore + seconds);
    deps.afterCommit(() => dispatcher.clockMoved());
    return { now: domain.core.clock.globalNow() };
  });

  router.add('GET', '/_emulator/deliveries', ({ query }) => ({
    data: dispatcher.deliveries({
      event: query.get('event') ?? undefined,
      endpoint: query.get('endpoint') ?? undefined,
    }),
  }));

  router.add('GET', '/_emulator/webhooks/options', () => dispatcher.getOptions());
  router.add('POST', '/_emulator/webhooks/options', ({ body }) => {
    const patch: Partial<WebhookDeliveryOptions> = {};
    if (typeof body.enabled === 'boolean') patch.enabled = body.enabled;
    const duplicate = body.duplicate;
    if (typeof duplicate === 'number') patch.duplicateProbability = duplicate;
    else if (
      typeof duplicate === 'object' &&
      duplicate !== null &&
      typeof (duplicate as { count?: unknown }).count === 'number'
    ) {
      patch.duplicateNext = (duplicate as { count: number }).count;
    }
    const reorder = optionalNumber(body, 'reorder');
    if (reorder !== undefined) patch.reorderWindow = Math.max(1, Math.floor(reorder));
    const concurrency = optionalNumber(body, 'concurrency');
    if (concurrency !== undefined) patch.concurrency = Math.max(1, Math.floor(concurrency));
    const delayMs = optionalNumber(body, 'delayMs');
    if (delayMs !== undefined) patch.delayMs = Math.max(0, Math.floor(delayMs));
    const jitterMs = optionalNumber(body, 'jitterMs');
    if (jitterMs !== undefined) patch.jitterMs = Math.max(0, Math.floor(jitterMs));
    if (body.retrySchedule !== undefined) {
      if (!RETRY_SCHEDULES.includes(body.retrySchedule as RetrySchedule))
        throw invalidRequest(
          `\`retrySchedule\` must be one of ${RETRY_SCHEDULES.join(', ')}.`,
          'parameter_invalid',
          'retrySchedule',
        );
      patch.retrySchedule = body.retrySchedule as RetrySchedule;
    }
    return dispatcher.setOptions(patch);
  });

  router.add('POST', '/_emulator/webhooks/flush', async () => {
    await dispatcher.flush();
    return { ok: true };
  });

  /** Explicit redelivery of stored events (a paused endpoint's missed events are not flushed otherwise). */
  router.add('POST', '/_emulator/webhooks/redeliver', ({ body }) => {
    const ids = Array.isArray(body.events)
      ? body.events.filter((id): id is string => typeof id === 'string')
      : [];
    const endpoint = typeof body.endpoint === 'string' ? body.endpoint : undefined;
    return { queued: dispatcher.redeliver(ids, endpoint) };
  });

  router.add('GET', '/_emulator/billing/settings', () => domain.settings.current());
  router.add('POST', '/_emulator/billing/settings', ({ body }) => domain.settings.update(body));

  /**
   * Reveals an endpoint's signing secret, as the Dashboard does (the API shows it on create
   * only): a sandbox app restarting against a persisted emulator reuses its endpoint with it.
   */
  router.add('GET', '/_emulator/webhook_endpoints/:id', ({ pathParams }) => {
    const record = domain.core.state.webhookEndpoints.get(pathParams.id);
    if (record === undefined) throw resourceMissing('webhook_endpoint', pathParams.id);
    return {
      id: record.id,
      url: record.endpoint.url,
      status: record.endpoint.status,
      secret: record.secret,
    };
  });

  router.add('GET', '/_emulator/realism', () => deps.realism.get());
  router.add('POST', '/_emulator/realism', ({ body }) =>
    deps.realism.update(parseRealismPatch(body)),
  );

  router.add('GET', '/_emulator/counters', ({ query }) =>
    deps.counters.read(query.get('key') ?? undefined),
  );
  router.add('POST', '/_emulator/counters/reset', () => deps.counters.reset());

  router.add('POST', '/_emulator/payment_methods/:id/fail', ({ pathParams, body }) => {
    const declineCode = typeof body.declineCode === 'string' ? body.declineCode : 'generic_decline';
    return domain.paymentMethods.makeCardFail(pathParams.id, declineCode);
  });
}
