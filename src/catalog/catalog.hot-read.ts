import type { AccountRef } from '../auth/request-context';
import type { HotRead } from '../common/hot-read';
import type { CatalogService } from './catalog.service';

/** `GET /api/catalog/products` without a query: the pricing page's read. */
export function catalogHotRead(catalog: CatalogService): HotRead<AccountRef> {
  return {
    path: 'catalog/products',
    access: 'public',
    answer: ({ account }) => catalog.listProducts({}, account),
  };
}
