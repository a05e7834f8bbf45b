import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { describeEndpoints } from '../src/api/params/describe';
import { API_RESOURCES } from '../src/api/routes';
import { StripeDomain } from '../src/billing/stripe-domain';

const README = join(__dirname, '..', 'README.md');
const START =
  '<!-- endpoints:start (written from the declarations; see test/readme-endpoints.spec.ts) -->';
const END = '<!-- endpoints:end -->';

/**
 * The README lists every endpoint and every parameter the emulator accepts, written from the
 * endpoints' declarations. After changing a declaration, rewrite the list with
 * `UPDATE_README=1 npx jest emulator/test/readme-endpoints.spec.ts`.
 */
describe('the README lists every endpoint and parameter', () => {
  it('is current', () => {
    const domain = new StripeDomain(Stripe.API_VERSION);
    const list = describeEndpoints(
      API_RESOURCES.map((resource) => ({
        name: resource.name,
        endpoints: resource.endpoints(domain),
      })),
    );
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const current = readme.slice(start + START.length, end);
    const expected = `\n\n${list}\n\n`;
    if (process.env.UPDATE_README === '1' && current !== expected)
      writeFileSync(README, readme.slice(0, start + START.length) + expected + readme.slice(end));
    else expect(current).toBe(expected);
  });
});
