import { createHmac } from 'node:crypto';

/** Stripe's scheme: `t=<unix>,v1=<hex HMAC-SHA256 of "t.payload" keyed by the whole whsec_ secret>`. */
export function signWebhookPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac('sha256', secret)
    .update(`${timestamp}.${payload}`, 'utf8')
    .digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
