import type Stripe from 'stripe';
import type { PortalFlowInput } from '../billing/portal';
import type { StripeDomain } from '../billing/stripe-domain';
import type { RequestParams } from '../http/request-params';
import type { Endpoint } from './api-call';
import { p } from './params/param-spec';

const FLOW_TYPES = ['payment_method_update', 'subscription_cancel', 'subscription_update'] as const;

const FLOW_DATA = p.object({
  type: p.enum(FLOW_TYPES, ['subscription_update_confirm']).required(),
  after_completion: p.object({
    type: p.enum(['redirect', 'portal_homepage'], ['hosted_confirmation']).required(),
    redirect: p.object({ return_url: p.string().required() }),
  }),
  subscription_cancel: p.object({ subscription: p.string().required() }),
  subscription_update: p.object({ subscription: p.string().required() }),
});

function flowInput(flowData: RequestParams | undefined): PortalFlowInput | undefined {
  if (flowData === undefined) return undefined;
  const type = flowData.enumOf('type', FLOW_TYPES) as Stripe.BillingPortal.Session.Flow.Type;
  return {
    type,
    subscription: flowData.object(type)?.string('subscription'),
    afterCompletionRedirectUrl: flowData
      .object('after_completion')
      ?.object('redirect')
      ?.string('return_url'),
  };
}

export function billingPortalEndpoints(domain: StripeDomain): Endpoint[] {
  return [
    {
      method: 'POST',
      path: '/v1/billing_portal/sessions',
      params: {
        customer: p.string().required(),
        return_url: p.string(),
        flow_data: FLOW_DATA,
        locale: p.string(),
      },
      handler: ({ params }) =>
        domain.portal.create({
          customer: params.string('customer'),
          returnUrl: params.string('return_url'),
          flow: flowInput(params.object('flow_data')),
          locale: params.string('locale'),
        }),
    },
  ];
}
