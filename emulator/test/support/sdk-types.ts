import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Reads the official SDK's own description of Stripe's API from its installed files, with the
 * TypeScript compiler: which operations exist (HTTP method and path, from the resource classes)
 * with the type of their parameters, and the type of every resource object. The tests compare
 * the emulator's declared parameters and its responses against these, so the SDK version in
 * package.json is the reference and nothing is copied by hand.
 */
const RESOURCES = join(dirname(require.resolve('stripe')), 'resources');

export interface SdkOperation {
  httpMethod: string;
  /** `/v1/customers/:id`: the SDK's path with its interpolations as `:param`. */
  path: string;
  className: string;
  methodName: string;
  params: ts.Type | null;
}

function resourceFiles(directory: string, extension: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...resourceFiles(path, extension));
    else if (entry.name.endsWith(extension) && !entry.name.endsWith(`.map`)) files.push(path);
  }
  return files;
}

export class SdkTypes {
  readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;
  private readonly interfaces = new Map<string, ts.InterfaceDeclaration>();
  /** `Checkout/Sessions.d.ts#Session` → declaration, for names several files use. */
  private readonly byFile = new Map<string, ts.InterfaceDeclaration>();

  constructor() {
    const declarations = resourceFiles(RESOURCES, '.d.ts');
    this.program = ts.createProgram(declarations, {
      skipLibCheck: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      types: [],
    });
    this.checker = this.program.getTypeChecker();
    for (const file of declarations) {
      const source = this.program.getSourceFile(file);
      if (source === undefined) continue;
      for (const statement of source.statements) {
        if (!ts.isInterfaceDeclaration(statement)) continue;
        if (!this.interfaces.has(statement.name.text))
          this.interfaces.set(statement.name.text, statement);
        this.byFile.set(`${relative(RESOURCES, file)}#${statement.name.text}`, statement);
      }
    }
  }

  /** A top-level interface of the SDK's resources (`Customer`, `Invoice`, `CustomerCreateParams`). */
  interfaceType(name: string): ts.Type {
    const declaration = this.interfaces.get(name);
    if (declaration === undefined) throw new Error(`No SDK interface ${name}`);
    return this.checker.getTypeAtLocation(declaration);
  }

  /** An interface of one resource file: `interfaceIn('Checkout/Sessions.d.ts', 'Session')`. */
  interfaceIn(file: string, name: string): ts.Type {
    const declaration = this.byFile.get(`${file}#${name}`);
    if (declaration === undefined) throw new Error(`No SDK interface ${name} in ${file}`);
    return this.checker.getTypeAtLocation(declaration);
  }

  /** Every API operation the SDK's resource classes make, with its parameter type. */
  operations(): SdkOperation[] {
    const operations: SdkOperation[] = [];
    for (const jsFile of resourceFiles(RESOURCES, '.js')) {
      const js = readFileSync(jsFile, 'utf8');
      const requests = new Map<string, { httpMethod: string; path: string }>();
      const pattern =
        /\n {4}(\w+)\([^)]*\) \{\n\s+return this\._makeRequest\('(\w+)', (?:'([^']+)'|`([^`]+)`)/g;
      let match: RegExpExecArray | null;
      while ((match = pattern.exec(js)) !== null) {
        const path = (match[3] ?? match[4]).replace(/\$\{encodeURIComponent\((\w+)\)\}/g, ':$1');
        requests.set(match[1], { httpMethod: match[2], path });
      }
      const source = this.program.getSourceFile(jsFile.replace(/\.js$/, '.d.ts'));
      if (source === undefined) continue;
      for (const statement of source.statements) {
        if (!ts.isClassDeclaration(statement) || statement.name === undefined) continue;
        for (const member of statement.members) {
          if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue;
          const request = requests.get(member.name.text);
          if (request === undefined) continue;
          const params = member.parameters.find(
            (parameter) => ts.isIdentifier(parameter.name) && parameter.name.text === 'params',
          );
          operations.push({
            ...request,
            className: statement.name.text,
            methodName: member.name.text,
            params: params === undefined ? null : this.checker.getTypeAtLocation(params),
          });
        }
      }
    }
    return operations;
  }

  /** The members of a union, or the type itself. */
  members(type: ts.Type): ts.Type[] {
    return type.isUnion() ? type.types : [type];
  }

  /** The object member of a (possibly `Emptyable<…>` or `… | undefined`) type, if it has one. */
  objectPart(type: ts.Type): ts.Type | null {
    return (
      this.members(type).find(
        (member) =>
          (member.flags & ts.TypeFlags.Object) !== 0 &&
          !this.checker.isArrayType(member) &&
          this.checker.getPropertiesOfType(member).length > 0,
      ) ?? null
    );
  }

  /** Whether the type takes a plain value (string, number, boolean or a literal of one). */
  acceptsScalar(type: ts.Type): boolean {
    const scalar = ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike;
    // The SDK's Decimal class travels as a decimal string.
    return this.members(type).some(
      (member) =>
        (member.flags & scalar) !== 0 ||
        member.aliasSymbol?.getName() === 'Decimal' ||
        member.getSymbol()?.getName() === 'DecimalImpl',
    );
  }

  /** The element type of the array member of a type, if it has one. */
  arrayElement(type: ts.Type): ts.Type | null {
    const array = this.members(type).find((member) => this.checker.isArrayType(member));
    return array === undefined
      ? null
      : (this.checker.getTypeArguments(array as ts.TypeReference)[0] ?? null);
  }

  /**
   * Whether `''` is accepted (Stripe's `Emptyable<…>`: the way to unset). Read from the
   * declaration, since TypeScript folds `'' | string` into `string`.
   */
  acceptsEmpty(type: ts.Type, declaration: ts.Declaration | undefined): boolean {
    if (
      declaration !== undefined &&
      ts.isPropertySignature(declaration) &&
      declaration.type !== undefined &&
      /^Emptyable</.test(declaration.type.getText())
    )
      return true;
    return this.members(type).some((member) => member.isStringLiteral() && member.value === '');
  }

  property(
    type: ts.Type,
    name: string,
  ): { type: ts.Type; optional: boolean; declaration: ts.Declaration | undefined } | null {
    const symbol = this.checker.getPropertyOfType(type, name);
    if (symbol === undefined) return null;
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const propertyType =
      declaration === undefined
        ? this.checker.getTypeOfSymbol(symbol)
        : this.checker.getTypeOfSymbolAtLocation(symbol, declaration);
    return {
      type: propertyType,
      optional: (symbol.flags & ts.SymbolFlags.Optional) !== 0,
      declaration,
    };
  }

  /** `Stripe.Customer` → `resources/Customers.d.ts`, for messages. */
  where(type: ts.Type): string {
    const declaration = type.getSymbol()?.declarations?.[0];
    return declaration === undefined
      ? this.checker.typeToString(type)
      : `${this.checker.typeToString(type)} (${relative(RESOURCES, declaration.getSourceFile().fileName)})`;
  }
}
