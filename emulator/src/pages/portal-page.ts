import type Stripe from 'stripe';
import { isLiveSubscription } from '../billing/subscription-status';
import type { StripeDomain } from '../billing/stripe-domain';
import type { PageRequest, PageResponse } from '../http/emulator-server';
import { StripeApiError } from '../http/stripe-error';
import { escapeHtml, formField, formatDate, formatMoney, layout } from './html';

const MESSAGES: Record<string, string> = {
  canceled: 'Your plan will be canceled at the end of the billing period.',
  resumed: 'Your plan will renew as usual.',
  switched: 'Your plan has been changed.',
  card: 'Your payment method has been updated.',
};

/** The billing portal: plan, cancel / undo, switch plan, update card, invoices, and a way back. */
export class PortalPage {
  constructor(private readonly domain: StripeDomain) {}

  private session(id: string): Stripe.BillingPortal.Session | undefined {
    return this.domain.core.state.portalSessions.get(id);
  }

  private currentSubscription(
    customerId: string,
    flow: Stripe.BillingPortal.Session.Flow | null,
  ): Stripe.Subscription | undefined {
    const wanted =
      flow?.subscription_cancel?.subscription ?? flow?.subscription_update?.subscription;
    if (wanted) return this.domain.core.state.subscriptions.get(wanted);
    for (const subscription of this.domain.core.state.subscriptions.newestFirst()) {
      if (subscription.customer === customerId && isLiveSubscription(subscription))
        return subscription;
    }
    return undefined;
  }

  show(request: PageRequest): PageResponse {
    const session = this.session(request.pathParams.id);
    if (session === undefined)
      return { status: 404, html: layout('Not found', '<h1>Portal session not found</h1>') };
    return {
      status: 200,
      html: this.render(session, MESSAGES[request.query.get('done') ?? ''] ?? null, null),
    };
  }

  submit(request: PageRequest): PageResponse {
    const session = this.session(request.pathParams.id);
    if (session === undefined)
      return { status: 404, html: layout('Not found', '<h1>Portal session not found</h1>') };
    const subscription = this.currentSubscription(session.customer, session.flow);
    const action = formField(request.form, 'action');
    let done = '';
    try {
      this.domain.core.events.withOrigin(null, () => {
        if (action === 'update_card') {
          const method = this.domain.paymentMethods.tokenise({
            number: formField(request.form, 'card_number'),
          });
          this.domain.paymentMethods.attach(method.id, session.customer);
          this.domain.customers.update(session.customer, { defaultPaymentMethod: method.id });
          if (subscription !== undefined)
            this.domain.subscriptions.update(subscription.id, { defaultPaymentMethod: method.id });
          done = 'card';
          return;
        }
        if (subscription === undefined)
          throw new StripeApiError(400, {
            type: 'invalid_request_error',
            message: 'There is no active subscription.',
          });
        if (action === 'cancel') {
          this.domain.subscriptions.update(subscription.id, { cancelAtPeriodEnd: true });
          done = 'canceled';
        } else if (action === 'resume') {
          this.domain.subscriptions.update(subscription.id, { cancelAtPeriodEnd: false });
          done = 'resumed';
        } else if (action === 'switch') {
          const item = subscription.items.data[0];
          this.domain.subscriptions.update(subscription.id, {
            items: [{ id: item.id, price: formField(request.form, 'price') }],
            prorationBehavior: 'create_prorations',
          });
          done = 'switched';
        } else {
          throw new StripeApiError(400, {
            type: 'invalid_request_error',
            message: 'Unknown action.',
          });
        }
      });
    } catch (caught) {
      if (!(caught instanceof StripeApiError)) throw caught;
      return { status: caught.statusCode, html: this.render(session, null, caught.body.message) };
    }
    const redirect = session.flow?.after_completion.redirect?.return_url;
    if (redirect && session.flow !== null) return { status: 303, redirect };
    return { status: 303, redirect: `/portal/${session.id}?done=${done}` };
  }

  private render(
    session: Stripe.BillingPortal.Session,
    message: string | null,
    error: string | null,
  ): string {
    const customer = this.domain.core.state.customers.get(session.customer);
    const subscription = this.currentSubscription(session.customer, session.flow);
    const flow = session.flow?.type ?? null;
    const id = escapeHtml(session.id);
    const parts: string[] = ['<h1>Billing</h1>'];
    if (customer?.email) parts.push(`<p class="muted">${escapeHtml(customer.email)}</p>`);
    if (message !== null) parts.push(`<p class="notice" role="status">${escapeHtml(message)}</p>`);
    if (error !== null) parts.push(`<div role="alert">${escapeHtml(error)}</div>`);

    if (subscription !== undefined && flow !== 'payment_method_update') {
      const item = subscription.items.data[0];
      const productId =
        typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
      const product = this.domain.core.state.products.get(productId);
      parts.push(
        `<h2>Current plan</h2><p id="plan"><strong>${escapeHtml(product?.name ?? productId)}</strong> — ${escapeHtml(formatMoney(item.price.unit_amount, item.price.currency))} / ${escapeHtml(item.price.recurring?.interval)}</p>`,
      );
      parts.push(
        `<p id="status">Status: ${escapeHtml(subscription.status)}${subscription.status === 'trialing' ? ` (trial ends ${formatDate(subscription.trial_end)})` : ''}</p>`,
      );
      if (subscription.cancel_at_period_end) {
        parts.push(
          `<p id="cancel-note">Cancels on ${formatDate(subscription.cancel_at)}.</p><form method="post" action="/portal/${id}"><input type="hidden" name="action" value="resume"><button type="submit">Don't cancel</button></form>`,
        );
      } else if (flow !== 'subscription_update') {
        parts.push(
          `<p>Renews on ${formatDate(item.current_period_end)}.</p><form method="post" action="/portal/${id}"><input type="hidden" name="action" value="cancel"><button type="submit" class="secondary">Cancel plan</button></form>`,
        );
      }
      if (flow === null || flow === 'subscription_update') {
        const options = [...this.domain.core.state.prices.values()].filter((price) => {
          const product = this.domain.core.state.products.get(
            typeof price.product === 'string' ? price.product : price.product.id,
          );
          return (
            price.active &&
            price.type === 'recurring' &&
            product?.active === true &&
            price.id !== item.price.id
          );
        });
        if (options.length > 0) {
          parts.push('<h2>Switch plan</h2>');
          for (const price of options) {
            const product = this.domain.core.state.products.get(
              typeof price.product === 'string' ? price.product : price.product.id,
            );
            parts.push(
              `<form method="post" action="/portal/${id}"><input type="hidden" name="action" value="switch"><input type="hidden" name="price" value="${escapeHtml(price.id)}"><button type="submit" class="secondary">Switch to ${escapeHtml(product?.name)} — ${escapeHtml(formatMoney(price.unit_amount, price.currency))} / ${escapeHtml(price.recurring?.interval)}</button></form>`,
            );
          }
        }
      }
    } else if (subscription === undefined && flow !== 'payment_method_update') {
      parts.push('<p>No active plan.</p>');
    }

    if (flow === null || flow === 'payment_method_update') {
      const defaultMethod = customer?.invoice_settings.default_payment_method;
      const method =
        typeof defaultMethod === 'string'
          ? this.domain.core.state.paymentMethods.get(defaultMethod)
          : undefined;
      parts.push(
        `<h2>Payment method</h2><p>${method?.card ? `${escapeHtml(method.card.brand)} ending in ${escapeHtml(method.card.last4)}` : 'None on file.'}</p>`,
      );
      parts.push(
        `<form method="post" action="/portal/${id}"><input type="hidden" name="action" value="update_card"><label for="card_number">New card number</label><input id="card_number" name="card_number" inputmode="numeric" required><button type="submit">Update card</button></form>`,
      );
    }

    if (flow === null) {
      const invoices = [...this.domain.core.state.invoices.newestFirst()].filter(
        (invoice) => invoice.customer === session.customer && invoice.status !== 'draft',
      );
      parts.push('<h2>Invoices</h2>');
      parts.push(
        invoices.length === 0
          ? '<p>No invoices yet.</p>'
          : `<table><thead><tr><th scope="col">Date</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Invoice</th></tr></thead><tbody>${invoices
              .map(
                (invoice) =>
                  `<tr><td>${formatDate(invoice.created)}</td><td>${escapeHtml(formatMoney(invoice.total, invoice.currency))}</td><td>${escapeHtml(invoice.status)}</td><td><a href="${escapeHtml(invoice.hosted_invoice_url)}">View ${escapeHtml(invoice.number)}</a></td></tr>`,
              )
              .join('')}</tbody></table>`,
      );
    }
    if (session.return_url)
      parts.push(
        `<p><a href="${escapeHtml(session.return_url)}" id="return">Return to the site</a></p>`,
      );
    return layout('Billing', parts.join('\n'));
  }
}
