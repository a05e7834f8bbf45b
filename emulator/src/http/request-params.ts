import type { ParamObject, ParamTree } from './form-body';
import { invalidRequest, parameterInvalid, parameterMissing } from './stripe-error';

/**
 * Typed, validating access to one request's parameters. Every accessor reports errors with the
 * bracket path Stripe uses in `param` (`line_items[0][price]`).
 */
export class RequestParams {
  constructor(
    readonly tree: ParamObject,
    private readonly path = '',
  ) {}

  static empty(): RequestParams {
    return new RequestParams({});
  }

  name(key: string): string {
    return this.path === '' ? key : `${this.path}[${key}]`;
  }

  has(key: string): boolean {
    return this.tree[key] !== undefined;
  }

  /** `key=` with an empty value: Stripe's way of unsetting a field. */
  isUnset(key: string): boolean {
    return this.tree[key] === '';
  }

  string(key: string): string | undefined {
    const value = this.tree[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      throw parameterInvalid(
        this.name(key),
        `Invalid string: ${JSON.stringify(value)}`,
        'parameter_invalid_string',
      );
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '') throw parameterMissing(this.name(key));
    return value;
  }

  /** A nullable string field: absent → undefined, empty → null (unset). */
  nullableString(key: string): string | null | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    return value === '' ? null : value;
  }

  enumOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      throw parameterInvalid(
        this.name(key),
        `Invalid ${this.name(key)}: must be one of ${values.join(', ')}`,
        'parameter_invalid',
      );
    }
    return value as T;
  }

  integer(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    if (!/^-?\d+$/.test(value))
      throw parameterInvalid(
        this.name(key),
        `Invalid integer: ${value}`,
        'parameter_invalid_integer',
      );
    return Number(value);
  }

  requiredInteger(key: string): number {
    const value = this.integer(key);
    if (value === undefined) throw parameterMissing(this.name(key));
    return value;
  }

  decimal(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed))
      throw parameterInvalid(this.name(key), `Invalid decimal: ${value}`);
    return parsed;
  }

  boolean(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined || value === '') return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw parameterInvalid(this.name(key), `Invalid boolean: ${value}`, 'parameter_invalid');
  }

  object(key: string): RequestParams | undefined {
    const value = this.tree[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidRequest(`Invalid object`, 'parameter_invalid', this.name(key));
    return new RequestParams(value, this.name(key));
  }

  /** A list given as `key[]=…` or as indexed keys `key[0]`, `key[1]` (in index order). */
  private listEntries(key: string): { entry: ParamTree; name: string }[] {
    const value = this.tree[key];
    if (value === undefined || value === '') return [];
    if (typeof value === 'string') return [{ entry: value, name: this.name(key) }];
    if (Array.isArray(value))
      return value.map((entry, index) => ({ entry, name: `${this.name(key)}[${index}]` }));
    const indexes = Object.keys(value);
    if (!indexes.every((index) => /^\d+$/.test(index))) {
      throw invalidRequest('Invalid array', 'parameter_invalid', this.name(key));
    }
    return indexes
      .sort((a, b) => Number(a) - Number(b))
      .map((index) => ({ entry: value[index], name: `${this.name(key)}[${index}]` }));
  }

  objectArray(key: string): RequestParams[] {
    return this.listEntries(key).map(({ entry, name }) => {
      if (typeof entry !== 'object' || Array.isArray(entry)) {
        throw invalidRequest('Invalid object', 'parameter_invalid', name);
      }
      return new RequestParams(entry, name);
    });
  }

  stringArray(key: string): string[] {
    return this.listEntries(key).flatMap(({ entry }) => (typeof entry === 'string' ? [entry] : []));
  }

  expand(): string[] {
    return this.stringArray('expand');
  }

  /**
   * Metadata update semantics: `metadata=` clears everything, `metadata[k]=` removes one key,
   * other keys are merged into `current`.
   */
  metadata(
    current: Record<string, string> = {},
    key = 'metadata',
  ): Record<string, string> | undefined {
    const value: ParamTree | undefined = this.tree[key];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidRequest('Invalid metadata', 'parameter_invalid', this.name(key));
    const next: Record<string, string> = { ...current };
    for (const [metaKey, metaValue] of Object.entries(value)) {
      if (typeof metaValue !== 'string')
        throw invalidRequest(
          'Invalid metadata value',
          'parameter_invalid',
          `${this.name(key)}[${metaKey}]`,
        );
      if (metaValue === '') delete next[metaKey];
      else next[metaKey] = metaValue;
    }
    return next;
  }

  /** `created[gt]=…` or `created=…` range filters. */
  range(key: string): ((value: number) => boolean) | undefined {
    const raw = this.tree[key];
    if (raw === undefined) return undefined;
    if (typeof raw === 'string') {
      const exact = this.requiredInteger(key);
      return (value) => value === exact;
    }
    const range = this.object(key);
    if (range === undefined) return undefined;
    const gt = range.integer('gt');
    const gte = range.integer('gte');
    const lt = range.integer('lt');
    const lte = range.integer('lte');
    return (value) =>
      (gt === undefined || value > gt) &&
      (gte === undefined || value >= gte) &&
      (lt === undefined || value < lt) &&
      (lte === undefined || value <= lte);
  }
}
