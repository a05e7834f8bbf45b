import type { RequestParams } from '../http/request-params';
import { parameterInvalid } from '../http/stripe-error';
import { p, type ParamShape } from './params/param-spec';

/**
 * Stripe's search query language (https://docs.stripe.com/search#search-query-language), the part
 * that fits an emulator: clauses `field:value` (exact, case-insensitive), `field~value`
 * (substring, at least 3 characters), `field>value` / `<` / `>=` / `<=` (numbers), a leading `-`
 * to negate, `field:null`, `metadata["key"]:value`, joined by spaces or `AND`, or by `OR` (not
 * both). Each resource names the fields it can be searched by, as Stripe does; any other field is
 * refused.
 */
export const SEARCH_PARAMS: ParamShape = {
  query: p.string().required(),
  limit: p.integer(),
  page: p.string(),
};

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  field: string;
  metadataKey: string | null;
  operator: Operator;
  value: string | null;
  negated: boolean;
}

interface Query {
  clauses: Clause[];
  joiner: 'AND' | 'OR';
}

/** How to read a searchable field from an object (dotted paths are read through nested objects). */
export type SearchFields = Readonly<Record<string, (object: Record<string, unknown>) => unknown>>;

/** A field read by its dotted path, e.g. `payment_method_details.card.last4`. */
export function byPath(path: string): (object: Record<string, unknown>) => unknown {
  const segments = path.split('.');
  return (object) => {
    let node: unknown = object;
    for (const segment of segments) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[segment];
    }
    return typeof node === 'object' && node !== null && 'id' in node ? node.id : node;
  };
}

/**
 * Search fields that are read straight from the object's own fields of the same name. Every
 * resource is also searchable by `metadata["key"]`.
 */
export function plainFields(...names: string[]): SearchFields {
  return Object.fromEntries(names.map((name) => [name, byPath(name)]));
}

const MAX_CLAUSES = 10;
const CLAUSE =
  /^\s*(-?)(metadata\[(?:"([^"]*)"|'([^']*)')\]|[a-z_][a-z0-9_.]*)\s*(>=|<=|:|~|>|<)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|(null))/i;

function invalidQuery(query: string, reason: string): never {
  throw parameterInvalid('query', `Invalid search query: ${query} (${reason}).`);
}

export function parseSearchQuery(query: string, resource: string, fields: SearchFields): Query {
  const clauses: Clause[] = [];
  const joiners = new Set<'AND' | 'OR'>();
  let rest = query;
  while (rest.trim().length > 0) {
    if (clauses.length > 0) {
      const joiner = /^\s+(AND|OR)\s+/i.exec(rest) ?? /^\s+/.exec(rest);
      if (joiner === null) invalidQuery(query, 'clauses must be separated by spaces, AND or OR');
      joiners.add(joiner[1]?.toUpperCase() === 'OR' ? 'OR' : 'AND');
      rest = rest.slice(joiner[0].length);
    }
    const match = CLAUSE.exec(rest);
    if (match === null) invalidQuery(query, 'expected field:value');
    const metadataKey = match[3] ?? match[4] ?? null;
    const field = metadataKey === null ? match[2].toLowerCase() : 'metadata';
    if (field === 'metadata' && metadataKey === null)
      invalidQuery(query, 'metadata is searched by key, as metadata["key"]:"value"');
    if (field !== 'metadata' && !Object.hasOwn(fields, field))
      throw parameterInvalid(
        'query',
        `Field '${field}' is an unsupported search field for resource ${resource}. See https://stripe.com/docs/search#query-fields-for-${resource} for a list of supported fields.`,
      );
    const operator = match[5] as Operator;
    const raw = match[6] ?? match[7] ?? match[8] ?? null;
    const value = match[9] !== undefined ? null : (raw ?? '').replace(/\\(.)/g, '$1');
    if (operator === '~' && (value === null || value.length < 3))
      invalidQuery(query, 'a substring match needs at least 3 characters');
    if (
      ['>', '<', '>=', '<='].includes(operator) &&
      (value === null || !Number.isFinite(Number(value)))
    )
      invalidQuery(query, `${operator} compares numbers`);
    clauses.push({ field, metadataKey, operator, value, negated: match[1] === '-' });
    rest = rest.slice(match[0].length);
  }
  if (clauses.length === 0) invalidQuery(query, 'no clauses');
  if (clauses.length > MAX_CLAUSES) invalidQuery(query, `at most ${MAX_CLAUSES} clauses`);
  if (joiners.size > 1) invalidQuery(query, 'AND and OR cannot be combined');
  return { clauses, joiner: joiners.has('OR') ? 'OR' : 'AND' };
}

function clauseMatches(clause: Clause, found: unknown): boolean {
  if (clause.value === null) return found === null || found === undefined || found === '';
  if (typeof found !== 'string' && typeof found !== 'number' && typeof found !== 'boolean')
    return false;
  const actual = found;
  const wanted = clause.value;
  switch (clause.operator) {
    case ':':
      return typeof actual === 'string'
        ? actual.toLowerCase() === wanted.toLowerCase()
        : String(actual) === wanted;
    case '~':
      return String(actual).toLowerCase().includes(wanted.toLowerCase());
    case '>':
      return Number(actual) > Number(wanted);
    case '<':
      return Number(actual) < Number(wanted);
    case '>=':
      return Number(actual) >= Number(wanted);
    case '<=':
      return Number(actual) <= Number(wanted);
  }
}

export function matchesQuery(object: object, query: Query, fields: SearchFields): boolean {
  const record = object as Record<string, unknown>;
  const test = (clause: Clause): boolean => {
    const actual =
      clause.metadataKey !== null
        ? (record.metadata as Record<string, string> | null | undefined)?.[clause.metadataKey]
        : fields[clause.field](record);
    const matched = clauseMatches(clause, actual);
    return clause.negated ? !matched : matched;
  };
  return query.joiner === 'AND' ? query.clauses.every(test) : query.clauses.some(test);
}

export interface SearchResult<T> {
  object: 'search_result';
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

/** Search pages use an opaque `page` token; here it is the offset. */
export function search<T extends object>(
  items: Iterable<T>,
  params: RequestParams,
  resource: string,
  fields: SearchFields,
): SearchResult<T> {
  const query = parseSearchQuery(params.requiredString('query'), resource, fields);
  const limit = params.integer('limit') ?? 10;
  if (limit < 1 || limit > 100)
    throw parameterInvalid(
      'limit',
      'This value must be greater than or equal to 1 and less than or equal to 100.',
    );
  const page = params.string('page') ?? '0';
  if (!/^\d+$/.test(page)) throw parameterInvalid('page', `Invalid page: ${page}`);
  const offset = Number(page);
  const all: T[] = [];
  for (const item of items) if (matchesQuery(item, query, fields)) all.push(item);
  const data = all.slice(offset, offset + limit);
  const hasMore = offset + limit < all.length;
  return {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? String(offset + limit) : null,
    url: `/v1/${resource}/search`,
  };
}
