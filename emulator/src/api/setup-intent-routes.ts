import type { StripeDomain } from '../billing/stripe-domain';
import { resourceMissing } from '../http/stripe-error';
import { pageRequest, type Endpoint } from './api-call';
import { CREATED_FILTER } from './params/common';
import { PAGINATION, p } from './params/param-spec';

/** SetupIntents as setup-mode Checkout creates them (read-only: no direct create or confirm). */
export function setupIntentEndpoints(domain: StripeDomain): Endpoint[] {
  const { core } = domain;
  return [
    {
      method: 'GET',
      path: '/v1/setup_intents/:id',
      params: {},
      handler: ({ pathParams }) => {
        const intent = core.state.setupIntents.get(pathParams.id);
        if (intent === undefined) throw resourceMissing('setup_intent', pathParams.id);
        return intent;
      },
    },
    {
      method: 'GET',
      path: '/v1/setup_intents',
      params: {
        ...PAGINATION,
        ...CREATED_FILTER,
        customer: p.string(),
        payment_method: p.string(),
      },
      handler: ({ params }) => {
        const customer = params.string('customer');
        const paymentMethod = params.string('payment_method');
        const created = params.range('created');
        return core.state.setupIntents.page(
          pageRequest(params),
          '/v1/setup_intents',
          (intent) =>
            (customer === undefined || intent.customer === customer) &&
            (paymentMethod === undefined || intent.payment_method === paymentMethod) &&
            (created === undefined || created(intent.created)),
        );
      },
    },
  ];
}
