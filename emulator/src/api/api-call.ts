import type { StripeDomain } from '../billing/stripe-domain';
import type { Router } from '../http/router';
import type { RequestParams } from '../http/request-params';
import { parameterInvalid } from '../http/stripe-error';
import type { PageRequest } from '../store/collection';

export interface ApiCall {
  pathParams: Record<string, string>;
  /** Body parameters for POST, query parameters for GET and DELETE. */
  params: RequestParams;
  path: string;
}

export type ApiHandler = (call: ApiCall) => object;
export type ApiRouter = Router<ApiHandler>;
export type RouteRegistrar = (router: ApiRouter, domain: StripeDomain) => void;

export const PAGINATION_PARAMS = ['limit', 'starting_after', 'ending_before'] as const;

export function pageRequest(params: RequestParams): PageRequest {
  const limit = params.integer('limit') ?? 10;
  if (limit < 1 || limit > 100)
    throw parameterInvalid(
      'limit',
      'This value must be greater than or equal to 1 and less than or equal to 100.',
    );
  return {
    limit,
    startingAfter: params.string('starting_after'),
    endingBefore: params.string('ending_before'),
  };
}

/** Stripe's search grammar, the part apps use: `field:'value'` and `metadata['key']:'value'` clauses joined by AND. */
export function parseSearchQuery(query: string): { field: string; value: string }[] {
  const clauses: { field: string; value: string }[] = [];
  const pattern = /(metadata\[['"]([^'"]+)['"]\]|[a-z_]+)\s*:\s*['"]([^'"]*)['"]/gi;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(query)) !== null) {
    clauses.push({
      field: match[2] !== undefined ? `metadata.${match[2]}` : match[1],
      value: match[3],
    });
  }
  if (clauses.length === 0) throw parameterInvalid('query', `Invalid search query: ${query}`);
  return clauses;
}

export function matchesSearch(
  searched: object,
  clauses: { field: string; value: string }[],
): boolean {
  // Stripe objects are plain JSON data, so reading fields by name is safe.
  const object = searched as Record<string, unknown>;
  return clauses.every(({ field, value }) => {
    if (field.startsWith('metadata.')) {
      const metadata = object.metadata as Record<string, string> | null | undefined;
      return metadata?.[field.slice(9)] === value;
    }
    const actual = object[field];
    return typeof actual === 'string'
      ? actual.toLowerCase() === value.toLowerCase()
      : String(actual) === value;
  });
}

export interface SearchResult<T> {
  object: 'search_result';
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

/** Search pages use an opaque `page` token; here it is the offset. */
export function searchPage<T>(
  items: Iterable<T>,
  matches: (item: T) => boolean,
  params: RequestParams,
  url: string,
): SearchResult<T> {
  const limit = params.integer('limit') ?? 10;
  const offset = Number(params.string('page') ?? '0') || 0;
  const all: T[] = [];
  for (const item of items) if (matches(item)) all.push(item);
  const data = all.slice(offset, offset + limit);
  const hasMore = offset + limit < all.length;
  return {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? String(offset + limit) : null,
    url,
  };
}
