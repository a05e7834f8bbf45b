// The peer the webhook benchmark compares with: stripe/sync-engine's library
// (`@supabase/stripe-sync-engine`) in a small Fastify app, with its default settings (it trusts
// event payloads: no re-validation through Stripe's API, no back-filling of related objects).
// Its packages are installed on demand by the benchmark into bench/.peer (never a dependency of
// the service). Settings come from the environment: PEER_DIR, DATABASE_URL, PORT, POOL,
// WEBHOOK_SECRET, STRIPE_API_BASE (the emulator), STRIPE_SECRET_KEY.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { URL } from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

const require = createRequire(join(env('PEER_DIR'), 'package.json'));
const { StripeSync, runMigrations } = require('@supabase/stripe-sync-engine');
const Fastify = require('fastify');
const Stripe = require('stripe');

const databaseUrl = env('DATABASE_URL');
await runMigrations({ databaseUrl, schema: 'stripe' });

const sync = new StripeSync({
  poolConfig: { connectionString: databaseUrl, max: Number(process.env.POOL ?? 10) },
  schema: 'stripe',
  stripeSecretKey: env('STRIPE_SECRET_KEY'),
  stripeWebhookSecret: env('WEBHOOK_SECRET'),
});
// Its Stripe client takes no host setting: replaced by one pointed at the emulator.
const base = new URL(env('STRIPE_API_BASE'));
sync.stripe = new Stripe(env('STRIPE_SECRET_KEY'), {
  apiVersion: '2020-08-27',
  host: base.hostname,
  port: Number(base.port),
  protocol: base.protocol.replace(':', ''),
});

const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
// The signature is checked on the raw bytes, as in its own app.
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);
app.get('/health', async () => ({ ok: true }));
app.post('/webhooks', async (request, reply) => {
  await sync.processWebhook(request.body, request.headers['stripe-signature']);
  return reply.send({ received: true });
});
await app.listen({ port: Number(env('PORT')), host: '127.0.0.1' });

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
