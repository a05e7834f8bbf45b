import ts from 'typescript';
import type { SdkTypes } from './sdk-types';

/**
 * Compares JSON the emulator answered with the SDK's TypeScript type for it: every property the
 * type requires is present, no property the type does not declare appears, and values have the
 * type's kinds (null only where allowed, lists where lists, objects where objects), all the way
 * down. Where a type allows several shapes (an id or the expanded object, a customer or a
 * deleted customer), the shape that fits best is the one compared. Objects whose type says
 * nothing (an event's `data.object`) are compared with the type their `object` field names.
 */
export class ShapeCheck {
  private readonly byObject = new Map<string, ts.Type>();

  constructor(
    private readonly sdk: SdkTypes,
    /** `object` field value → SDK type, e.g. `invoice` → `Invoice`. */
    types: Record<string, ts.Type>,
  ) {
    for (const [object, type] of Object.entries(types)) this.byObject.set(object, type);
  }

  typeFor(value: unknown): ts.Type | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const kind = (value as { object?: unknown }).object;
    return typeof kind === 'string' ? this.byObject.get(kind) : undefined;
  }

  /** Problems of `value` against the type of its `object` field (or `type`), as readable paths. */
  check(value: unknown, path: string, type = this.typeFor(value)): string[] {
    if (type === undefined) return [`${path}: no SDK type known for this object`];
    const problems: string[] = [];
    this.walk(value, type, path, problems);
    return problems;
  }

  private flags(type: ts.Type, flag: ts.TypeFlags): boolean {
    return (type.flags & flag) !== 0;
  }

  private isDecimal(type: ts.Type): boolean {
    return (
      type.aliasSymbol?.getName() === 'Decimal' || type.getSymbol()?.getName() === 'DecimalImpl'
    );
  }

  /** A type that says nothing about its shape (`{}`, `object`, `unknown`, `any`). */
  private isOpaque(type: ts.Type): boolean {
    if (this.flags(type, ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive))
      return true;
    return (
      this.flags(type, ts.TypeFlags.Object) &&
      !this.sdk.checker.isArrayType(type) &&
      this.sdk.checker.getPropertiesOfType(type).length === 0 &&
      this.sdk.checker.getIndexInfosOfType(type).length === 0
    );
  }

  private walk(value: unknown, type: ts.Type, path: string, problems: string[]): void {
    const members = this.sdk.members(type);
    if (value === null || value === undefined) {
      const nullable = members.some((member) =>
        this.flags(member, ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Any),
      );
      if (!nullable) problems.push(`${path}: null, but the SDK type does not allow null`);
      return;
    }
    if (members.some((member) => this.isOpaque(member))) {
      // Say nothing, unless the value names its own type.
      const own = this.typeFor(value);
      if (own !== undefined) this.walk(value, own, path, problems);
      return;
    }
    if (typeof value === 'string') {
      const ok = members.some(
        (member) => this.flags(member, ts.TypeFlags.StringLike) || this.isDecimal(member),
      );
      if (!ok) problems.push(`${path}: a string, where the SDK type has no string`);
      return;
    }
    if (typeof value === 'number') {
      if (!members.some((member) => this.flags(member, ts.TypeFlags.NumberLike)))
        problems.push(`${path}: a number, where the SDK type has no number`);
      return;
    }
    if (typeof value === 'boolean') {
      if (!members.some((member) => this.flags(member, ts.TypeFlags.BooleanLike)))
        problems.push(`${path}: a boolean, where the SDK type has no boolean`);
      return;
    }
    if (Array.isArray(value)) {
      const element = this.sdk.arrayElement(type);
      if (element === null) {
        problems.push(`${path}: a list, where the SDK type has none`);
        return;
      }
      value.forEach((entry, index) => this.walk(entry, element, `${path}[${index}]`, problems));
      return;
    }
    // The SDK turns decimal strings into Decimal objects as it parses a response.
    if (members.some((member) => this.isDecimal(member))) return;
    const objects = members.filter(
      (member) =>
        this.flags(member, ts.TypeFlags.Object | ts.TypeFlags.Intersection) &&
        !this.sdk.checker.isArrayType(member) &&
        !this.isDecimal(member),
    );
    if (objects.length === 0) {
      problems.push(`${path}: an object, where the SDK type has none`);
      return;
    }
    // Of several object shapes, compare with the one that fits best.
    let best: string[] | null = null;
    for (const candidate of objects) {
      const found: string[] = [];
      this.walkObject(value as Record<string, unknown>, candidate, path, found);
      if (best === null || found.length < best.length) best = found;
      if (found.length === 0) break;
    }
    problems.push(...(best ?? []));
  }

  private walkObject(
    value: Record<string, unknown>,
    type: ts.Type,
    path: string,
    problems: string[],
  ): void {
    const checker = this.sdk.checker;
    const indexInfo = checker.getIndexInfosOfType(type)[0];
    const properties = checker.getPropertiesOfType(type);
    const known = new Set(properties.map((property) => property.getName()));
    for (const property of properties) {
      const name = property.getName();
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      if (!(name in value)) {
        if (!optional) problems.push(`${path}.${name}: missing`);
        continue;
      }
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const propertyType =
        declaration === undefined
          ? checker.getTypeOfSymbol(property)
          : checker.getTypeOfSymbolAtLocation(property, declaration);
      this.walk(value[name], propertyType, `${path}.${name}`, problems);
    }
    for (const [key, entry] of Object.entries(value)) {
      if (known.has(key)) continue;
      if (indexInfo !== undefined) this.walk(entry, indexInfo.type, `${path}.${key}`, problems);
      else problems.push(`${path}.${key}: not in the SDK type`);
    }
  }
}
