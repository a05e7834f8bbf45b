import {
  ValidationPipe,
  type ArgumentMetadata,
  type Type,
  type ValidationError,
} from '@nestjs/common';
import { ApiError, type ErrorDetail } from './api-error';

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Distinct inputs remembered per DTO class before the memory starts over. */
const REMEMBERED_INPUTS = 500;

type Primitive = string | number | boolean | null | undefined;

/**
 * Own values all strings, numbers, booleans or null, and also `undefined` when `allowUndefined`
 * (a validated DTO may list its absent optional fields). An input may not have `undefined`
 * fields: its key, JSON, would drop them, and the DTO's unknown-field check would not see them.
 */
function isFlat(value: unknown, allowUndefined: boolean): value is Record<string, Primitive> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const field of Object.values(value)) {
    if (field === null || (field === undefined && allowUndefined)) continue;
    if (typeof field !== 'string' && typeof field !== 'number' && typeof field !== 'boolean')
      return false;
  }
  return true;
}

/**
 * The global validation pipe. Validating is a pure function of the input, and query strings and
 * route parameters repeat (a pricing page asks for the same `?type=` all day; a service asks
 * about the same few features): for those, the validated DTO is remembered per input and each
 * request gets its own copy. Class-transformer and class-validator cost a fifth of a plain
 * route's time; bodies are always validated afresh, and so is any input that fails.
 */
class RememberingValidationPipe extends ValidationPipe {
  private readonly known = new WeakMap<Type, Map<string, Record<string, Primitive>>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (
      (metadata.type !== 'query' && metadata.type !== 'param') ||
      type === undefined ||
      metadata.data !== undefined ||
      !isFlat(value, false)
    )
      return super.transform(value, metadata);
    let inputs = this.known.get(type);
    if (inputs === undefined) {
      inputs = new Map();
      this.known.set(type, inputs);
    }
    const key = JSON.stringify(value);
    const known = inputs.get(key);
    if (known !== undefined) return copyOf(known);
    const validated: unknown = await super.transform(value, metadata);
    if (!isFlat(validated, true)) return validated;
    if (inputs.size >= REMEMBERED_INPUTS) inputs.clear();
    inputs.set(key, copyOf(validated));
    return validated;
  }
}

/** A shallow copy keeping the DTO's class (its values are primitives). */
function copyOf<T extends object>(value: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as T, value);
}

/** Bodies and queries: typed, unknown fields refused, every failing field named. */
export function createValidationPipe(): ValidationPipe {
  return new RememberingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new ApiError('VALIDATION_FAILED', undefined, flatten(errors)),
  });
}
