import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/error-codes';

/**
 * Which error codes each route's code can produce, found by walking its call graph with the
 * TypeScript checker: from the controller method (its parameter decorators and pipes included)
 * through every function and method of `src/` it calls, collecting `new ApiError('CODE')`, and
 * noting when a call reaches the Stripe SDK. Calls through interfaces, and functions passed around
 * as values, are not followed: the result is what can be seen, a lower bound.
 */
export interface RouteAnalysis {
  codes: Set<ErrorCode>;
  callsStripe: boolean;
  /** `new ApiError(x)` whose code could not be narrowed to a few literals: file:line. */
  unboundedSites: string[];
}

const ROOT = join(__dirname, '..', '..');
const SRC = `${join(ROOT, 'src')}${sep}`;
const GENERATED = `${join(ROOT, 'src', 'generated')}${sep}`;
const STRIPE_SDK = `${sep}node_modules${sep}stripe${sep}`;
const KNOWN = new Set<string>(ERROR_CODES);

export class RouteErrorAnalyzer {
  readonly program: ts.Program;
  private readonly checker: ts.TypeChecker;

  constructor(rootFiles: string[]) {
    const config = ts.getParsedCommandLineOfConfigFile(
      join(ROOT, 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    if (config === undefined) throw new Error('tsconfig.json could not be read');
    this.program = ts.createProgram(rootFiles, { ...config.options, noEmit: true });
    this.checker = this.program.getTypeChecker();
  }

  /** The class declaration named `name` among the program's `src/` files. */
  findClass(name: string): ts.ClassDeclaration | undefined {
    for (const file of this.program.getSourceFiles()) {
      if (!this.isOwnCode(file)) continue;
      for (const statement of file.statements) {
        if (ts.isClassDeclaration(statement) && statement.name?.text === name) return statement;
      }
    }
    return undefined;
  }

  method(classNode: ts.ClassDeclaration, name: string): ts.MethodDeclaration | undefined {
    return classNode.members.find(
      (member): member is ts.MethodDeclaration =>
        ts.isMethodDeclaration(member) && member.name.getText() === name,
    );
  }

  /** Everything reachable from `node` (a function, method, decorator or expression). */
  analyse(node: ts.Node): RouteAnalysis {
    const result: RouteAnalysis = { codes: new Set(), callsStripe: false, unboundedSites: [] };
    this.walk(node, result, new Set());
    return result;
  }

  location(node: ts.Node): string {
    const file = node.getSourceFile();
    const { line } = file.getLineAndCharacterOfPosition(node.getStart());
    return `${relative(ROOT, file.fileName)}:${line + 1}`;
  }

  private isOwnCode(node: ts.Node): boolean {
    const file = node.getSourceFile().fileName.split('/').join(sep);
    return file.startsWith(SRC) && !file.startsWith(GENERATED);
  }

  private walk(node: ts.Node, into: RouteAnalysis, seen: Set<ts.Node>): void {
    if (seen.has(node)) return;
    seen.add(node);
    const visit = (child: ts.Node): void => {
      if (ts.isNewExpression(child)) this.onNew(child, into, seen);
      else if (ts.isCallExpression(child) || ts.isDecorator(child)) this.onCall(child, into, seen);
      ts.forEachChild(child, visit);
    };
    visit(node);
  }

  private onNew(node: ts.NewExpression, into: RouteAnalysis, seen: Set<ts.Node>): void {
    const symbol = this.resolvedSymbol(node.expression);
    const declaration = symbol?.declarations?.[0];
    if (symbol?.name === 'ApiError' && declaration !== undefined && this.isOwnCode(declaration)) {
      const argument = node.arguments?.[0];
      if (argument === undefined) return;
      const codes = this.literals(argument);
      if (codes === undefined) into.unboundedSites.push(this.location(node));
      else for (const code of codes) into.codes.add(code);
      return;
    }
    const signature = this.checker.getResolvedSignature(node);
    this.follow(signature?.declaration, into, seen);
  }

  private onCall(
    node: ts.CallExpression | ts.Decorator,
    into: RouteAnalysis,
    seen: Set<ts.Node>,
  ): void {
    const signature = ts.isDecorator(node) ? undefined : this.checker.getResolvedSignature(node);
    const declaration = signature?.declaration;
    if (declaration !== undefined && this.isStripeSdk(declaration)) {
      into.callsStripe = true;
      return;
    }
    if (declaration !== undefined && this.isOwnCode(declaration)) {
      this.follow(declaration, into, seen);
      return;
    }
    // A callee that is a constant of ours built by a factory (`createParamDecorator(fn)`,
    // `const check = makeCheck(...)`): what it runs is in its initializer.
    const callee = ts.isDecorator(node) ? node.expression : node.expression;
    const target = ts.isCallExpression(callee) ? callee.expression : callee;
    const symbol = this.resolvedSymbol(target);
    for (const candidate of symbol?.declarations ?? []) {
      if (ts.isVariableDeclaration(candidate) && candidate.initializer !== undefined) {
        if (this.isOwnCode(candidate)) this.walk(candidate.initializer, into, seen);
      } else if (this.isOwnCode(candidate) && ts.isFunctionLike(candidate)) {
        this.follow(candidate, into, seen);
      }
    }
  }

  private follow(
    declaration: ts.Declaration | undefined,
    into: RouteAnalysis,
    seen: Set<ts.Node>,
  ): void {
    if (declaration === undefined || !this.isOwnCode(declaration)) return;
    if (ts.isFunctionLike(declaration)) this.walk(declaration, into, seen);
  }

  private isStripeSdk(declaration: ts.Declaration): boolean {
    return declaration.getSourceFile().fileName.split('/').join(sep).includes(STRIPE_SDK);
  }

  private resolvedSymbol(node: ts.Node): ts.Symbol | undefined {
    const symbol = this.checker.getSymbolAtLocation(node);
    if (symbol === undefined) return undefined;
    return symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
  }

  /** The codes an argument can be: a literal, or a small union of literals; else undefined. */
  private literals(argument: ts.Expression): ErrorCode[] | undefined {
    const type = this.checker.getTypeAtLocation(argument);
    const parts = type.isUnion() ? type.types : [type];
    const values = parts.map((part) => (part.isStringLiteral() ? part.value : undefined));
    if (values.some((value) => value === undefined || !KNOWN.has(value))) return undefined;
    // The whole catalog (a parameter typed ErrorCode) tells nothing about this route.
    if (values.length > 8) return undefined;
    return values as ErrorCode[];
  }
}
