import type Stripe from 'stripe';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/stripe-error';
import { newId } from '../store/ids';
import type { CustomerService } from './customers';
import type { EmulatorCore } from './emulator-core';
import type { SubscriptionService } from './subscriptions';

export interface PortalFlowInput {
  type: Stripe.BillingPortal.Session.Flow.Type;
  subscription?: string;
  afterCompletionRedirectUrl?: string;
}

/** Billing portal sessions; the page itself lives in pages/portal-page.ts. */
export class PortalService {
  constructor(
    private readonly core: EmulatorCore,
    private readonly customers: CustomerService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  get(id: string): Stripe.BillingPortal.Session {
    const session = this.core.state.portalSessions.get(id);
    if (session === undefined) throw resourceMissing('billing_portal.session', id);
    return session;
  }

  create(input: {
    customer?: string;
    returnUrl?: string;
    flow?: PortalFlowInput;
    locale?: Stripe.BillingPortal.Session.Locale;
  }): Stripe.BillingPortal.Session {
    if (input.customer === undefined) throw parameterMissing('customer');
    const customer = this.customers.get(input.customer, 'customer');
    let flow: Stripe.BillingPortal.Session.Flow | null = null;
    if (input.flow !== undefined) {
      const needsSubscription =
        input.flow.type === 'subscription_cancel' || input.flow.type === 'subscription_update';
      if (needsSubscription) {
        const param = `flow_data[${input.flow.type}][subscription]`;
        if (input.flow.subscription === undefined) throw parameterMissing(param);
        const subscription = this.subscriptions.get(input.flow.subscription, param);
        if (subscription.customer !== customer.id)
          throw invalidRequest(
            'The subscription does not belong to this customer.',
            'parameter_invalid',
            param,
          );
      }
      flow = {
        type: input.flow.type,
        after_completion: {
          type:
            input.flow.afterCompletionRedirectUrl !== undefined ? 'redirect' : 'portal_homepage',
          hosted_confirmation: null,
          redirect:
            input.flow.afterCompletionRedirectUrl !== undefined
              ? { return_url: input.flow.afterCompletionRedirectUrl }
              : null,
        },
        customer_update: null,
        subscription_pause: null,
        subscription_cancel:
          input.flow.type === 'subscription_cancel'
            ? { retention: null, subscription: input.flow.subscription ?? '' }
            : null,
        subscription_update:
          input.flow.type === 'subscription_update'
            ? { subscription: input.flow.subscription ?? '' }
            : null,
        subscription_update_confirm: null,
      };
    }
    const id = newId('bps');
    const session: Stripe.BillingPortal.Session = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_emulator_default',
      created: this.core.nowFor(customer.id),
      customer: customer.id,
      customer_account: null,
      flow,
      livemode: false,
      locale: input.locale ?? null,
      on_behalf_of: null,
      return_url: input.returnUrl ?? null,
      url: `${this.core.baseUrl}/portal/${id}`,
    };
    this.core.state.portalSessions.put(session);
    return session;
  }
}
