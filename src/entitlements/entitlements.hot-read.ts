import type { AccountRef } from '../auth/request-context';
import type { HotRead } from '../common/hot-read';
import { FEATURE_ID } from './dto/entitlements.dto';
import type { EntitlementsService } from './entitlements.service';

/** `GET /api/entitlements/:feature` with a bearer token: the app's "may I?" on every screen. */
export function entitlementHotRead(entitlements: EntitlementsService): HotRead<AccountRef> {
  return {
    path: 'entitlements/:feature',
    access: 'account',
    answer: ({ param, account }) =>
      param === undefined || account === undefined || !FEATURE_ID.test(param)
        ? undefined
        : entitlements.check(account, param),
  };
}
