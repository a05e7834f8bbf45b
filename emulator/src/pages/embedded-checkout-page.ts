import { isTaxLocation } from '../billing/automatic-tax';
import { parseAddress } from '../billing/checkout-completion';
import { TAX_ID_TYPES } from '../billing/tax-ids';
import type Stripe from 'stripe';
import type { StripeDomain } from '../billing/stripe-domain';
import type { PageRequest, PageResponse } from '../http/emulator-server';
import { StripeApiError } from '../http/stripe-error';
import { completionUrl } from './checkout-page';
import { escapeHtml, formField, formatMoney, layout } from './html';

function expiryOf(value: string): { expMonth?: number; expYear?: number } {
  const match = /^(\d{1,2})\s*\/\s*(\d{2,4})$/.exec(value);
  if (match === null) return {};
  const year = Number(match[2]);
  return { expMonth: Number(match[1]), expYear: year < 100 ? 2000 + year : year };
}

function json(status: number, payload: unknown): PageResponse {
  return { status, contentType: 'application/json', body: JSON.stringify(payload) };
}

/**
 * The frame the emulated Stripe.js mounts for embedded checkout: the session's items and total
 * and a card form. Paying posts the form here (JSON back), then tells the embedding page the
 * session is complete; a decline is shown in the frame and completes nothing.
 */
export class EmbeddedCheckoutPage {
  constructor(private readonly domain: StripeDomain) {}

  /** The session a client secret belongs to, when it is that session's secret. */
  private session(clientSecret: string): Stripe.Checkout.Session | undefined {
    const id = clientSecret.split('_secret_')[0];
    const session = this.domain.core.state.checkoutSessions.get(id);
    if (session === undefined || session.client_secret !== clientSecret) return undefined;
    return session;
  }

  show(request: PageRequest): PageResponse {
    const session = this.session(request.pathParams.secret);
    if (session === undefined) {
      return {
        status: 404,
        html: layout(
          'Not found',
          '<h1>Checkout not available</h1><p>This checkout link is not valid.</p>',
        ),
      };
    }
    return { status: 200, html: this.render(session) };
  }

  submit(request: PageRequest): PageResponse {
    const session = this.session(request.pathParams.secret);
    if (session === undefined)
      return json(404, { error: { message: 'No such checkout session.' } });
    try {
      this.domain.core.events.withOrigin(null, () =>
        this.domain.checkout.complete(session.id, {
          // No card field when none is asked for (`payment_method_collection=if_required`).
          card: formField(request.form, 'card_number') || null,
          promotionCode: formField(request.form, 'promotion_code') || undefined,
          email: formField(request.form, 'email') || undefined,
          name: formField(request.form, 'name') || undefined,
          address: parseAddress(
            Object.fromEntries(
              ['line1', 'city', 'postal_code', 'state', 'country'].map((key) => [
                key,
                formField(request.form, `address_${key}`),
              ]),
            ),
          ),
          businessName: formField(request.form, 'business_name') || undefined,
          taxId:
            formField(request.form, 'tax_id_value') === ''
              ? undefined
              : {
                  type: formField(request.form, 'tax_id_type') || 'eu_vat',
                  value: formField(request.form, 'tax_id_value'),
                },
          ...expiryOf(formField(request.form, 'card_expiry')),
        }),
      );
    } catch (caught) {
      if (!(caught instanceof StripeApiError)) throw caught;
      return json(caught.statusCode, { error: { message: caught.body.message } });
    }
    const completed = this.domain.core.state.checkoutSessions.get(session.id) ?? session;
    return json(200, {
      status: 'complete',
      redirectOnCompletion: completed.redirect_on_completion ?? 'always',
      returnUrl: completed.return_url ? completionUrl(completed, this.domain.core.baseUrl) : null,
    });
  }

  private render(session: Stripe.Checkout.Session): string {
    if (session.status !== 'open') {
      return layout(
        'Checkout',
        `<h1>${session.status === 'complete' ? 'This checkout is complete' : 'This checkout has expired'}</h1>`,
      );
    }
    const extras = this.domain.core.state.checkoutExtras.get(session.id);
    const items = (extras?.lineItems ?? [])
      .map(
        (item) =>
          `<li><strong>${escapeHtml(item.description)}</strong> × ${item.quantity ?? 1} — ${escapeHtml(formatMoney(item.amount_subtotal, item.currency))}${item.price?.recurring ? ` / ${escapeHtml(item.price.recurring.interval)}` : ''}</li>`,
      )
      .join('');
    const trial =
      session.mode === 'subscription' &&
      (extras?.trialPeriodDays != null || extras?.trialEnd != null)
        ? `<p class="notice">${extras?.trialPeriodDays != null ? `${extras.trialPeriodDays}-day free trial` : 'Free trial'}: nothing is charged today.</p>`
        : '';
    const email =
      session.customer_details?.email == null && session.customer_email === null
        ? '<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required>'
        : `<p class="muted">Paying as ${escapeHtml(session.customer_details?.email ?? session.customer_email)}</p>`;
    const cardFields = this.domain.checkoutSessions.requiresCard(session)
      ? `<label for="name">Name on card</label><input id="name" name="name" autocomplete="cc-name">
<label for="card_number">Card number</label><input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<div class="row"><div><label for="card_expiry">Expiry (MM / YY)</label><input id="card_expiry" name="card_expiry" autocomplete="cc-exp" placeholder="12 / 34" required></div>
<div><label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required></div></div>`
      : '<p class="notice" id="no-card">No card is needed today.</p>';
    const promotion = session.allow_promotion_codes
      ? '<label for="promotion_code">Promotion code</label><input id="promotion_code" name="promotion_code" autocomplete="off">'
      : '';
    // As on the hosted page: the address when it is required or Stripe Tax needs it, tax ids.
    const customerId =
      typeof session.customer === 'string' ? session.customer : (session.customer?.id ?? null);
    const saved =
      customerId === null
        ? null
        : (this.domain.core.state.customers.get(customerId)?.address ?? null);
    const required = session.billing_address_collection === 'required';
    const address =
      required || (session.automatic_tax.enabled && !isTaxLocation(saved))
        ? `<fieldset><legend>Billing address</legend>${[
            ['line1', 'Address'],
            ['city', 'City'],
            ['postal_code', 'Postal code'],
            ['state', 'State or region'],
            ['country', 'Country (two letters)'],
          ]
            .map(
              ([key, label]) =>
                `<label for="address_${key}">${label}</label><input id="address_${key}" name="address_${key}">`,
            )
            .join('')}</fieldset>`
        : '';
    const taxId =
      session.tax_id_collection?.enabled === true
        ? `<fieldset><legend>Buying as a business (optional)</legend><label for="business_name">Business name</label><input id="business_name" name="business_name"><label for="tax_id_type">Tax ID type</label><select id="tax_id_type" name="tax_id_type">${TAX_ID_TYPES.map((type) => `<option value="${type}">${type}</option>`).join('')}</select><label for="tax_id_value">Tax ID</label><input id="tax_id_value" name="tax_id_value"></fieldset>`
        : '';
    return layout(
      'Checkout',
      `<h1>${session.mode === 'setup' ? 'Save a card' : `Pay ${escapeHtml(formatMoney(session.amount_total, session.currency))}`}</h1>
<ul>${items}</ul>
${trial}
<div role="alert" id="error" hidden></div>
<p role="status" id="done" class="notice" hidden>Payment complete.</p>
<form id="pay-form" novalidate>
${email}
${cardFields}
${address}
${taxId}
${promotion}
<button type="submit" id="pay">${session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>
<p class="muted">Test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 9995 is declined.</p>
<style>body{background:transparent}main{margin:0 auto;box-shadow:none;max-width:none;padding:16px 24px}</style>
<script>
(function () {
  var form = document.getElementById('pay-form');
  var error = document.getElementById('error');
  var done = document.getElementById('done');
  var button = document.getElementById('pay');
  function resize() {
    parent.postMessage({ type: 'stripe-emulator:resize', height: document.documentElement.scrollHeight }, '*');
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    button.disabled = true;
    error.hidden = true;
    fetch(window.location.pathname, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (response) { return response.json(); }).then(function (result) {
      if (result.error) {
        error.textContent = result.error.message;
        error.hidden = false;
        button.disabled = false;
      } else {
        form.hidden = true;
        done.hidden = false;
        parent.postMessage({ type: 'stripe-emulator:complete', returnUrl: result.returnUrl, redirectOnCompletion: result.redirectOnCompletion }, '*');
      }
      resize();
    }, function () {
      error.textContent = 'Could not reach the payment service. Try again.';
      error.hidden = false;
      button.disabled = false;
      resize();
    });
  });
  window.addEventListener('load', resize);
})();
</script>`,
    );
  }
}
