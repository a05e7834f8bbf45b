import type { AccountRef } from '../auth/request-context';
import type { HotRead } from '../common/hot-read';
import type { SubscriptionsService } from './subscriptions.service';

/** `GET /api/subscriptions/current` with a bearer token: the plan every account page shows. */
export function currentPlanHotRead(subscriptions: SubscriptionsService): HotRead<AccountRef> {
  return {
    path: 'subscriptions/current',
    access: 'account',
    answer: ({ account }) => (account === undefined ? undefined : subscriptions.current(account)),
  };
}
