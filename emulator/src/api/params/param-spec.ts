import type { ParamObject, ParamTree } from '../../http/form-body';
import {
  type StripeApiError,
  invalidRequest,
  parameterInvalid,
  parameterMissing,
  parameterUnknown,
} from '../../http/stripe-error';

/**
 * Declared parameters: every endpoint lists each parameter it implements (and every nested key),
 * with its type. A request is checked against the declaration before its handler runs, so a
 * parameter the emulator does not implement is refused with Stripe's `parameter_unknown` (naming
 * it with Stripe's bracket path, `items[0][tax_rates]`) instead of being accepted and ignored, and
 * a malformed value fails before anything changes.
 */
export type FieldKind =
  | 'string'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'enum'
  | 'timestamp'
  | 'metadata'
  | 'object'
  | 'list'
  | 'range';

export interface FieldOptions {
  /** Missing (or empty) → `parameter_missing`. */
  required?: boolean;
  /** `key=` (an empty value) is Stripe's way of unsetting; only fields that allow it accept it. */
  unsettable?: boolean;
  /** Allowed values of an `enum`. */
  values?: readonly string[];
  /** Values Stripe accepts that the emulator does not implement: refused with a clear message. */
  notEmulated?: readonly string[];
  /** Words a `timestamp` also accepts, such as `now`. */
  literals?: readonly string[];
  fields?: Readonly<Record<string, Field>>;
  of?: Field;
}

export class Field {
  constructor(
    readonly kind: FieldKind,
    readonly options: FieldOptions = {},
  ) {}

  required(): Field {
    return new Field(this.kind, { ...this.options, required: true });
  }

  unsettable(): Field {
    return new Field(this.kind, { ...this.options, unsettable: true });
  }

  get fields(): Readonly<Record<string, Field>> {
    return this.options.fields ?? {};
  }
}

export type ParamShape = Readonly<Record<string, Field>>;

/** Builders for declarations: `p.object({ price: p.string().required(), quantity: p.integer() })`. */
export const p = {
  string: (): Field => new Field('string'),
  integer: (): Field => new Field('integer'),
  decimal: (): Field => new Field('decimal'),
  boolean: (): Field => new Field('boolean'),
  enum: (values: readonly string[], notEmulated: readonly string[] = []): Field =>
    new Field('enum', { values, notEmulated }),
  timestamp: (...literals: string[]): Field => new Field('timestamp', { literals }),
  metadata: (): Field => new Field('metadata', { unsettable: true }),
  object: (fields: ParamShape): Field => new Field('object', { fields }),
  list: (of: Field): Field => new Field('list', { of }),
  /** `created=…` or `created[gt|gte|lt|lte]=…`. */
  range: (): Field => new Field('range'),
};

export const EXPAND: ParamShape = { expand: p.list(p.string()) };
export const PAGINATION: ParamShape = {
  limit: p.integer(),
  starting_after: p.string(),
  ending_before: p.string(),
};

const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;

function child(path: string, key: string): string {
  return path === '' ? key : `${path}[${key}]`;
}

function isObject(value: ParamTree): value is ParamObject {
  return typeof value === 'object' && !Array.isArray(value);
}

/** A list arrives as `key[]=…` (an array) or as indexed keys `key[0]`, `key[1]` (an object). */
export function listEntries(value: ParamTree, path: string): { entry: ParamTree; path: string }[] {
  if (typeof value === 'string') return [{ entry: value, path }];
  if (Array.isArray(value))
    return value.map((entry, index) => ({ entry, path: `${path}[${index}]` }));
  const indexes = Object.keys(value);
  if (!indexes.every((index) => /^\d+$/.test(index)))
    throw invalidRequest(`Invalid array: ${path} must be a list.`, 'parameter_invalid', path);
  return indexes
    .sort((a, b) => Number(a) - Number(b))
    .map((index) => ({ entry: value[index], path: `${path}[${index}]` }));
}

function invalidType(
  path: string,
  what: string,
  value: ParamTree,
  code = 'parameter_invalid',
): StripeApiError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return parameterInvalid(path, `Invalid ${what}: ${shown}`, code);
}

function checkField(field: Field, value: ParamTree, path: string): void {
  if (value === '') {
    if (field.options.unsettable === true) return;
    if (field.options.required === true) throw parameterMissing(path);
    throw parameterInvalid(
      path,
      `You passed an empty string for '${path}'. We assume empty values are an attempt to unset a parameter; however '${path}' cannot be unset. You should remove '${path}' from your request or supply a non-empty value.`,
      'parameter_invalid_empty',
    );
  }
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string')
        throw invalidType(path, 'string', value, 'parameter_invalid_string');
      return;
    case 'integer':
      if (typeof value !== 'string' || !/^-?\d+$/.test(value))
        throw invalidType(path, 'integer', value, 'parameter_invalid_integer');
      return;
    case 'decimal':
      if (typeof value !== 'string' || !Number.isFinite(Number(value)))
        throw invalidType(path, 'decimal', value);
      return;
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalidType(path, 'boolean', value);
      return;
    case 'timestamp':
      if (typeof value === 'string' && (field.options.literals ?? []).includes(value)) return;
      if (typeof value !== 'string' || !/^\d+$/.test(value))
        throw invalidType(path, 'timestamp', value, 'parameter_invalid_integer');
      return;
    case 'enum':
      checkEnum(field, value, path);
      return;
    case 'metadata':
      checkMetadata(value, path);
      return;
    case 'object':
      if (!isObject(value))
        throw invalidRequest(`Invalid object: ${path} must be a hash.`, 'parameter_invalid', path);
      checkObject(field.fields, value, path);
      return;
    case 'list': {
      const of = field.options.of ?? p.string();
      for (const { entry, path: entryPath } of listEntries(value, path))
        checkField(of, entry, entryPath);
      return;
    }
    case 'range':
      if (typeof value === 'string') {
        checkField(p.integer(), value, path);
        return;
      }
      if (!isObject(value))
        throw invalidRequest(`Invalid object: ${path} must be a hash.`, 'parameter_invalid', path);
      checkObject(RANGE_FIELDS, value, path);
      return;
  }
}

const RANGE_FIELDS: ParamShape = {
  gt: p.integer(),
  gte: p.integer(),
  lt: p.integer(),
  lte: p.integer(),
};

function checkEnum(field: Field, value: ParamTree, path: string): void {
  const values = field.options.values ?? [];
  if (typeof value === 'string' && values.includes(value)) return;
  if (typeof value === 'string' && (field.options.notEmulated ?? []).includes(value))
    throw parameterInvalid(
      path,
      `${path}=${value} is not implemented by the Stripe emulator (it implements ${values.join(', ')}).`,
    );
  throw parameterInvalid(path, `Invalid ${path}: must be one of ${values.join(', ')}`);
}

function checkMetadata(value: ParamTree, path: string): void {
  if (!isObject(value))
    throw invalidRequest(`Invalid metadata: ${path} must be a hash.`, 'parameter_invalid', path);
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS)
    throw parameterInvalid(
      path,
      `Invalid ${path}: metadata can have at most ${MAX_METADATA_KEYS} keys.`,
    );
  for (const [key, entry] of entries) {
    const entryPath = child(path, key);
    if (typeof entry !== 'string')
      throw invalidRequest('Invalid metadata value', 'parameter_invalid', entryPath);
    if (key.length > MAX_METADATA_KEY_LENGTH)
      throw parameterInvalid(
        entryPath,
        `Metadata keys can have up to ${MAX_METADATA_KEY_LENGTH} characters.`,
      );
    if (entry.length > MAX_METADATA_VALUE_LENGTH)
      throw parameterInvalid(
        entryPath,
        `Metadata values can have up to ${MAX_METADATA_VALUE_LENGTH} characters.`,
      );
  }
}

function checkObject(shape: ParamShape, value: ParamObject, path: string): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(shape, key)) throw parameterUnknown(child(path, key));
  }
  for (const [key, field] of Object.entries(shape)) {
    const entry = value[key];
    if (entry === undefined) {
      if (field.options.required === true) throw parameterMissing(child(path, key));
      continue;
    }
    checkField(field, entry, child(path, key));
  }
}

/** Checks a whole request against its endpoint's declaration; `expand` is accepted everywhere. */
export function checkParams(shape: ParamShape, tree: ParamObject): void {
  checkObject({ ...EXPAND, ...shape }, tree, '');
}
