import type Stripe from 'stripe';
import { isTaxLocation } from '../billing/automatic-tax';
import { parseAddress } from '../billing/checkout-completion';
import { TAX_ID_TYPES } from '../billing/tax-ids';
import type { StripeDomain } from '../billing/stripe-domain';
import type { PageRequest, PageResponse } from '../http/emulator-server';
import { StripeApiError } from '../http/stripe-error';
import { escapeHtml, formField, formatMoney, layout } from './html';

function parseExpiry(value: string): { month?: number; year?: number } {
  const match = /^(\d{1,2})\s*\/\s*(\d{2,4})$/.exec(value);
  if (match === null) return {};
  const year = Number(match[2]);
  return { month: Number(match[1]), year: year < 100 ? 2000 + year : year };
}

/** Where the customer goes after paying: success_url (hosted) or return_url (embedded), with the session id filled in. */
export function completionUrl(session: Stripe.Checkout.Session, baseUrl: string): string {
  const target = session.success_url ?? session.return_url ?? `${baseUrl}/checkout/${session.id}`;
  return target.replace(/\{CHECKOUT_SESSION_ID\}/g, session.id);
}

const ADDRESS_FIELDS = [
  ['line1', 'Address', 'address-line1'],
  ['city', 'City', 'address-level2'],
  ['postal_code', 'Postal code', 'postal-code'],
  ['state', 'State or region', 'address-level1'],
  ['country', 'Country (two letters)', 'country'],
] as const;

/**
 * The hosted checkout page: pay by test card; declines show the error and complete nothing.
 * The card fields are left out when the session collects a card only if required and nothing
 * is due; the billing address fields appear when the session requires an address.
 */
export class CheckoutPage {
  constructor(private readonly domain: StripeDomain) {}

  show(request: PageRequest): PageResponse {
    const session = this.domain.core.state.checkoutSessions.get(request.pathParams.id);
    if (session === undefined)
      return {
        status: 404,
        html: layout(
          'Not found',
          '<h1>Checkout session not found</h1><p>This link is not valid.</p>',
        ),
      };
    return { status: 200, html: this.render(session, null, {}) };
  }

  submit(request: PageRequest): PageResponse {
    const session = this.domain.core.state.checkoutSessions.get(request.pathParams.id);
    if (session === undefined)
      return { status: 404, html: layout('Not found', '<h1>Checkout session not found</h1>') };
    const expiry = parseExpiry(formField(request.form, 'card_expiry'));
    const values: Record<string, string> = {
      email: formField(request.form, 'email'),
      promotion_code: formField(request.form, 'promotion_code'),
      name: formField(request.form, 'name'),
      business_name: formField(request.form, 'business_name'),
      tax_id_type: formField(request.form, 'tax_id_type'),
      tax_id_value: formField(request.form, 'tax_id_value'),
    };
    for (const key of ADDRESS_FIELDS.map(([field]) => field))
      values[`address_${key}`] = formField(request.form, `address_${key}`);
    const cardNumber = formField(request.form, 'card_number');
    try {
      this.domain.core.events.withOrigin(null, () =>
        this.domain.checkout.complete(session.id, {
          card: cardNumber === '' ? null : cardNumber,
          address: parseAddress(
            Object.fromEntries(ADDRESS_FIELDS.map(([key]) => [key, values[`address_${key}`]])),
          ),
          promotionCode: values.promotion_code || undefined,
          email: values.email || undefined,
          name: values.name || undefined,
          businessName: values.business_name || undefined,
          taxId:
            values.tax_id_value === ''
              ? undefined
              : { type: values.tax_id_type || 'eu_vat', value: values.tax_id_value },
          expMonth: expiry.month,
          expYear: expiry.year,
        }),
      );
    } catch (caught) {
      if (!(caught instanceof StripeApiError)) throw caught;
      return { status: caught.statusCode, html: this.render(session, caught.body.message, values) };
    }
    return { status: 303, redirect: completionUrl(session, this.domain.core.baseUrl) };
  }

  private render(
    session: Stripe.Checkout.Session,
    error: string | null,
    values: Record<string, string>,
  ): string {
    const extras = this.domain.core.state.checkoutExtras.get(session.id);
    const expired =
      session.status === 'expired' ||
      (session.status === 'open' &&
        session.expires_at <= this.domain.checkoutSessions.nowFor(session));
    if (session.status === 'complete') {
      return layout(
        'Already paid',
        `<h1>This checkout is complete</h1><p class="notice">This checkout session has already been paid. Nothing more to do.</p>${session.success_url ? `<p><a href="${escapeHtml(completionUrl(session, this.domain.core.baseUrl))}">Continue</a></p>` : ''}`,
      );
    }
    if (expired) {
      return layout(
        'Checkout expired',
        `<h1>This checkout has expired</h1><p class="notice">The session expired before it was paid. Start a new checkout from the site.</p>${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Back to the site</a></p>` : ''}`,
      );
    }
    const items = (extras?.lineItems ?? [])
      .map((item) => {
        const recurring = item.price?.recurring;
        const every = recurring
          ? ` / ${recurring.interval_count > 1 ? `${recurring.interval_count} ` : ''}${recurring.interval}`
          : '';
        return `<li><strong>${escapeHtml(item.description)}</strong> × ${item.quantity ?? 1} — ${escapeHtml(formatMoney(item.amount_subtotal, item.currency))}${escapeHtml(every)}</li>`;
      })
      .join('');
    const trialDays = extras?.trialPeriodDays ?? null;
    const trialNote =
      session.mode === 'subscription' && (trialDays !== null || extras?.trialEnd !== null)
        ? `<p class="notice">${trialDays !== null ? `${trialDays}-day free trial` : 'Free trial'}: nothing is charged today. Your card is charged when the trial ends.</p>`
        : '';
    const promoField = session.allow_promotion_codes
      ? `<label for="promotion_code">Promotion code</label><input id="promotion_code" name="promotion_code" autocomplete="off" value="${escapeHtml(values.promotion_code)}">`
      : '';
    const emailField =
      session.customer_details?.email == null && session.customer_email === null
        ? `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" value="${escapeHtml(values.email)}">`
        : `<p class="muted">Paying as ${escapeHtml(session.customer_details?.email ?? session.customer_email)}</p>`;
    const cardFields = this.domain.checkoutSessions.requiresCard(session)
      ? `<label for="card_number">Card number</label><input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<div class="row"><div><label for="card_expiry">Expiry (MM / YY)</label><input id="card_expiry" name="card_expiry" autocomplete="cc-exp" placeholder="12 / 34" required></div>
<div><label for="card_cvc">CVC</label><input id="card_cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required></div></div>`
      : '<p class="notice" id="no-card">No card is needed today.</p>';
    // Stripe Tax needs the buyer's location: Checkout asks for it unless the customer has one.
    const customerId =
      typeof session.customer === 'string' ? session.customer : (session.customer?.id ?? null);
    const savedAddress =
      customerId === null
        ? null
        : (this.domain.core.state.customers.get(customerId)?.address ?? null);
    const required = session.billing_address_collection === 'required';
    const forTax = session.automatic_tax.enabled && !isTaxLocation(savedAddress);
    const addressFields =
      required || forTax
        ? `<fieldset><legend>Billing address</legend>${ADDRESS_FIELDS.map(
            ([key, label, autocomplete]) =>
              `<label for="address_${key}">${label}</label><input id="address_${key}" name="address_${key}" autocomplete="${autocomplete}" value="${escapeHtml(values[`address_${key}`])}"${(required && key !== 'state') || key === 'country' ? ' required' : ''}>`,
          ).join('')}</fieldset>`
        : '';
    const taxIdFields =
      session.tax_id_collection?.enabled === true
        ? `<fieldset><legend>Buying as a business (optional)</legend>
<label for="business_name">Business name</label><input id="business_name" name="business_name" autocomplete="organization" value="${escapeHtml(values.business_name)}">
<label for="tax_id_type">Tax ID type</label><select id="tax_id_type" name="tax_id_type">${TAX_ID_TYPES.map(
            (type) =>
              `<option value="${type}"${values.tax_id_type === type ? ' selected' : ''}>${type}</option>`,
          ).join('')}</select>
<label for="tax_id_value">Tax ID</label><input id="tax_id_value" name="tax_id_value" autocomplete="off" value="${escapeHtml(values.tax_id_value)}"></fieldset>`
        : '';
    const tax = session.total_details?.amount_tax ?? 0;
    const taxNote = session.automatic_tax.enabled
      ? session.automatic_tax.status === 'complete'
        ? `<p id="tax">Tax: ${escapeHtml(formatMoney(tax, session.currency))}</p>`
        : '<p class="muted" id="tax">Tax is calculated from your billing address.</p>'
      : '';
    const discount = session.total_details?.amount_discount ?? 0;
    return layout(
      'Checkout',
      `<h1>Checkout</h1>
<ul>${items}</ul>
${trialNote}
${taxNote}
${discount > 0 ? `<p>Discount: −${escapeHtml(formatMoney(discount, session.currency))}</p>` : ''}
${session.mode === 'setup' ? '<p class="notice" id="setup-note">Save a card for future payments: nothing is charged today.</p>' : `<p>Total due today: <span class="price" id="total">${escapeHtml(formatMoney(session.amount_total, session.currency))}</span></p>`}
${error !== null ? `<div role="alert" id="error">${escapeHtml(error)}</div>` : ''}
<form method="post" action="/checkout/${escapeHtml(session.id)}">
${emailField}
<label for="name">Name on card</label><input id="name" name="name" autocomplete="cc-name" value="${escapeHtml(values.name)}">
${cardFields}
${addressFields}
${taxIdFields}
${promoField}
<button type="submit" id="pay">${session.mode === 'subscription' ? 'Subscribe' : session.mode === 'setup' ? 'Save card' : 'Pay'}</button>
</form>
${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}" id="cancel">Cancel and go back</a></p>` : ''}
<p class="muted">Test cards: 4242 4242 4242 4242 succeeds; 4000 0000 0000 9995 is declined; 4000 0000 0000 0069 is an expired card; 4000 0000 0000 0341 attaches but later charges fail. An expiry date in the past is refused.</p>`,
    );
  }
}
