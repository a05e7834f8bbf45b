import type { StripeDomain } from '../billing/stripe-domain';
import type { PageHandler } from '../http/emulator-server';
import type { Router } from '../http/router';
import { CheckoutPage } from './checkout-page';
import { escapeHtml, formatDate, formatMoney, layout } from './html';
import { PortalPage } from './portal-page';
import { registerBrowserRoutes } from './browser-routes';

/** A minimal one-page PDF, so `invoice_pdf` links download something real. */
function invoicePdf(text: string): Buffer {
  const safe = text.replace(/[()\\]/g, '');
  const stream = `BT /F1 14 Tf 72 720 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

export function registerPages(router: Router<PageHandler>, domain: StripeDomain): void {
  const checkout = new CheckoutPage(domain);
  const portal = new PortalPage(domain);
  router.add('GET', '/checkout/:id', (request) => checkout.show(request));
  router.add('POST', '/checkout/:id', (request) => checkout.submit(request));
  registerBrowserRoutes(router, domain);
  router.add('GET', '/portal/:id', (request) => portal.show(request));
  router.add('POST', '/portal/:id', (request) => portal.submit(request));
  router.add('GET', '/invoices/:id', ({ pathParams }) => {
    const invoice = domain.core.state.invoices.get(pathParams.id);
    if (invoice === undefined)
      return { status: 404, html: layout('Not found', '<h1>Invoice not found</h1>') };
    const lines = invoice.lines.data
      .map(
        (line) =>
          `<tr><td>${escapeHtml(line.description)}</td><td>${escapeHtml(formatMoney(line.amount, line.currency))}</td></tr>`,
      )
      .join('');
    return {
      status: 200,
      html: layout(
        `Invoice ${invoice.number ?? invoice.id}`,
        `<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1><p>Status: <strong>${escapeHtml(invoice.status)}</strong></p><p>Date: ${formatDate(invoice.created)}</p><table><thead><tr><th scope="col">Description</th><th scope="col">Amount</th></tr></thead><tbody>${lines}</tbody></table><p>Total: <strong>${escapeHtml(formatMoney(invoice.total, invoice.currency))}</strong> · Paid: ${escapeHtml(formatMoney(invoice.amount_paid, invoice.currency))}</p><p><a href="/invoices/${escapeHtml(invoice.id)}/pdf">Download PDF</a></p>`,
      ),
    };
  });
  router.add('GET', '/invoices/:id/pdf', ({ pathParams }) => {
    const invoice = domain.core.state.invoices.get(pathParams.id);
    if (invoice === undefined)
      return { status: 404, html: layout('Not found', '<h1>Invoice not found</h1>') };
    return {
      status: 200,
      contentType: 'application/pdf',
      body: invoicePdf(
        `Invoice ${invoice.number ?? invoice.id} - total ${formatMoney(invoice.total, invoice.currency)} - ${invoice.status ?? ''}`,
      ),
    };
  });
  router.add('GET', '/receipts/:id', ({ pathParams }) => {
    const charge = domain.core.state.charges.get(pathParams.id);
    if (charge === undefined)
      return { status: 404, html: layout('Not found', '<h1>Receipt not found</h1>') };
    return {
      status: 200,
      html: layout(
        'Receipt',
        `<h1>Receipt</h1><p>${escapeHtml(formatMoney(charge.amount, charge.currency))} paid on ${formatDate(charge.created)}</p><p>Refunded: ${escapeHtml(formatMoney(charge.amount_refunded, charge.currency))}</p>`,
      ),
    };
  });
  router.add('GET', '/', () => ({
    status: 200,
    html: layout(
      'Stripe emulator',
      '<h1>Stripe emulator</h1><p>The API is under <code>/v1</code>; the control API under <code>/_emulator</code>.</p>',
    ),
  }));
}
