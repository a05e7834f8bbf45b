import type { ParamObject } from '../http/form-body';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

export function formatMoney(
  amount: number | null | undefined,
  currency: string | null | undefined,
): string {
  const value = (amount ?? 0) / 100;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: (currency ?? 'usd').toUpperCase(),
    }).format(value);
  } catch {
    return `${value.toFixed(2)} ${(currency ?? '').toUpperCase()}`;
  }
}

export function formatDate(unixSeconds: number | null | undefined): string {
  if (unixSeconds === null || unixSeconds === undefined) return '—';
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f8fa;color:#1a1f36;margin:0}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 2px 8px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin-top:0}h2{font-size:1.1rem;margin-top:1.6rem}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c1c9d2;border-radius:4px;font-size:1rem}
.row{display:flex;gap:12px}.row>div{flex:1}
button{margin-top:1rem;background:#635bff;color:#fff;border:0;border-radius:4px;padding:.7rem 1.2rem;font-size:1rem;cursor:pointer}
button.secondary{background:#fff;color:#635bff;border:1px solid #635bff}
[role=alert]{background:#fde8e8;color:#9b1c1c;padding:.7rem;border-radius:4px;margin:1rem 0}
.notice{background:#e8f4fd;padding:.7rem;border-radius:4px;margin:1rem 0}
.muted{color:#697386;font-size:.9rem}.price{font-size:1.6rem;font-weight:700}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e8ee}
.test-banner{background:#ffde92;text-align:center;padding:.3rem;font-size:.85rem}
`;

export function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><div class="test-banner">Test mode — Stripe emulator</div><main>${body}</main></body></html>`;
}

/** A submitted form field, trimmed; '' when absent. */
export function formField(form: ParamObject, key: string): string {
  const value = form[key];
  return typeof value === 'string' ? value.trim() : '';
}
