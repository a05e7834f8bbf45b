import {
  computeEntitlements,
  GRANTING_STATUSES,
  type GrantRow,
} from '../../src/entitlements/entitlement-grants';
import type { SubscriptionStatus } from '../../src/generated/prisma/enums';
import { subscriptionGrants } from '../../src/subscriptions/entitlement-rules';
import { SUBSCRIPTION_STATUSES } from '../../src/subscriptions/subscription-status';

const DAY = 86_400_000;
const NOW = new Date('2026-03-10T12:00:00.000Z');
const days = (n: number) => new Date(NOW.getTime() + n * DAY);

function subscription(status: SubscriptionStatus, overrides: Partial<GrantRow> = {}): GrantRow {
  return {
    source: 'subscription',
    productId: 'prod_pro',
    productName: 'Pro',
    features: ['chat', 'rag', 'export'],
    subscriptionId: 'sub_1',
    status,
    pastDueSince: null,
    currentPeriodEnd: days(20),
    since: days(-10),
    ...overrides,
  };
}

const lifetime = (overrides: Partial<GrantRow> = {}): GrantRow => ({
  source: 'lifetime',
  productId: 'prod_lifetime',
  productName: 'Pro Lifetime',
  features: ['chat', 'rag', 'export'],
  subscriptionId: null,
  status: null,
  pastDueSince: null,
  currentPeriodEnd: null,
  since: days(-100),
  ...overrides,
});

describe('computeEntitlements', () => {
  it('grants nothing to an account with no grants', () => {
    expect(computeEntitlements([], NOW, 3)).toMatchObject({
      features: [],
      plans: [],
      validUntil: null,
      changesAt: null,
    });
  });

  it.each(['trialing', 'active'] as const)(
    'grants a %s subscription until its period ends',
    (status) => {
      const result = computeEntitlements([subscription(status)], NOW, 3);
      expect(result.features).toEqual(['chat', 'export', 'rag']);
      expect(result.featureSet.has('rag')).toBe(true);
      expect(result.plans).toEqual([
        {
          productId: 'prod_pro',
          productName: 'Pro',
          source: 'subscription',
          subscriptionId: 'sub_1',
          status,
          validUntil: days(20),
        },
      ]);
      expect(result.validUntil).toEqual(days(20));
      expect(result.changesAt).toBeNull();
    },
  );

  it('grants past_due within the grace window, ending with it', () => {
    const row = subscription('past_due', { pastDueSince: days(-1), currentPeriodEnd: days(29) });
    const result = computeEntitlements([row], NOW, 3);
    expect(result.features).toEqual(['chat', 'export', 'rag']);
    expect(result.plans[0].validUntil).toEqual(days(2));
    expect(result.validUntil).toEqual(days(2));
    expect(result.changesAt).toEqual(days(2));
  });

  it('stops granting past_due once the grace window has run out (the end is exclusive)', () => {
    const row = subscription('past_due', { pastDueSince: days(-3) });
    const result = computeEntitlements([row], NOW, 3);
    expect(result.features).toEqual([]);
    expect(result.plans).toEqual([]);
    expect(result.changesAt).toBeNull();
    expect(computeEntitlements([row], new Date(NOW.getTime() - 1), 3).features).toHaveLength(3);
  });

  it('follows PAST_DUE_GRACE_DAYS', () => {
    const row = subscription('past_due', { pastDueSince: days(-3) });
    expect(computeEntitlements([row], NOW, 0).features).toEqual([]);
    expect(computeEntitlements([row], NOW, 7).features).toHaveLength(3);
  });

  it.each(SUBSCRIPTION_STATUSES.filter((s) => !GRANTING_STATUSES.includes(s)))(
    'never grants a %s subscription (so the query may leave it out)',
    (status) => {
      expect(
        subscriptionGrants({ status, pastDueSince: null, currentPeriodEnd: days(5) }, NOW, 3),
      ).toBe(false);
      expect(computeEntitlements([subscription(status)], NOW, 3).features).toEqual([]);
    },
  );

  it('keeps lifetime features with no end', () => {
    const result = computeEntitlements([lifetime()], NOW, 3);
    expect(result.features).toEqual(['chat', 'export', 'rag']);
    expect(result.plans).toEqual([
      {
        productId: 'prod_lifetime',
        productName: 'Pro Lifetime',
        source: 'lifetime',
        validUntil: null,
      },
    ]);
    expect(result.validUntil).toBeNull();
  });

  it('unions features, takes the latest end, and lets a lifetime grant null the end', () => {
    const starter = subscription('active', {
      productId: 'prod_starter',
      productName: 'Starter',
      features: ['chat'],
      subscriptionId: 'sub_2',
      currentPeriodEnd: days(40),
    });
    const addon = subscription('trialing', {
      productId: 'prod_addon',
      features: ['sso', 'chat'],
      subscriptionId: 'sub_3',
      currentPeriodEnd: days(5),
    });
    const both = computeEntitlements([starter, addon], NOW, 3);
    expect(both.features).toEqual(['chat', 'sso']);
    expect(both.validUntil).toEqual(days(40));
    expect(both.plans.map((p) => p.subscriptionId)).toEqual(['sub_2', 'sub_3']);

    const withLifetime = computeEntitlements([starter, lifetime({ features: ['export'] })], NOW, 3);
    expect(withLifetime.features).toEqual(['chat', 'export']);
    expect(withLifetime.validUntil).toBeNull();
  });

  it('lists a granting product with no features as a plan that adds none', () => {
    const result = computeEntitlements([subscription('active', { features: [] })], NOW, 3);
    expect(result.features).toEqual([]);
    expect(result.plans).toHaveLength(1);
  });

  it('reports the earliest grace end among several past_due subscriptions', () => {
    const a = subscription('past_due', { subscriptionId: 'sub_a', pastDueSince: days(-2) });
    const b = subscription('past_due', { subscriptionId: 'sub_b', pastDueSince: days(-1) });
    expect(computeEntitlements([a, b], NOW, 3).changesAt).toEqual(days(1));
  });
});
