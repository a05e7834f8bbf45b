import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import ts from 'typescript';
import type { AccessLevel } from '../../src/auth/auth.decorators';
import { JSON_BODY_ERRORS, STRIPE_ERRORS } from '../../src/errors/api-errors.decorator';
import type { ErrorCode } from '../../src/errors/error-codes';
import { buildOfflineOpenApiDocument } from '../../src/openapi/offline-document';
import { RouteErrorAnalyzer } from '../support/route-error-analysis';

/**
 * Every route documents every error it can answer: the codes its own code path throws (found by
 * walking the call graph), those of its access level (the global guard), of its validated input
 * (the validation pipe), of its JSON body (the body parser) and of Stripe when it calls Stripe.
 */

const ROOT = join(__dirname, '..', '..');

/** What the global guard answers for each access level (checked against the guard below). */
const ACCESS_ERRORS: Record<AccessLevel | 'public' | 'no-user-token', ErrorCode[]> = {
  'no-user-token': [],
  // A public route still verifies a token that is sent; a verified token whose claims hold
  // control characters is a 400.
  public: ['UNAUTHENTICATED', 'VALIDATION_FAILED'],
  member: ['UNAUTHENTICATED', 'VALIDATION_FAILED'],
  'billing-admin': ['UNAUTHENTICATED', 'VALIDATION_FAILED', 'BILLING_ROLE_REQUIRED'],
  // The entitlements key on an admin route is ADMIN_REQUIRED too.
  admin: ['UNAUTHENTICATED', 'VALIDATION_FAILED', 'ADMIN_REQUIRED'],
  'member-or-service-key': ['UNAUTHENTICATED', 'VALIDATION_FAILED', 'ACCOUNT_NOT_FOUND'],
};

/**
 * Routes whose Stripe calls cannot fail the request with a Stripe error: what they do with one
 * instead, so a change that lets one escape shows up here.
 */
const STRIPE_ERRORS_HANDLED: Record<string, string> = {
  HealthController_ready: 'readiness reports Stripe in `checks` and never fails on it',
  WebhooksController_receive: 'a failed apply is recorded and answered WEBHOOK_PROCESSING_FAILED',
};

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Operation {
  method: HttpMethod;
  path: string;
  operationId: string;
  documented: Set<string>;
  narrowed: boolean;
  hasBody: boolean;
}

interface ErrorSchema {
  allOf?: [unknown, { properties?: { error_code?: { enum?: string[] } } }];
}

function operationsOf(document: OpenAPIObject): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation === undefined) continue;
      const documented = new Set<string>();
      let narrowed = true;
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue;
        const schema = (response as { content?: Record<string, { schema?: ErrorSchema }> })
          .content?.['application/json']?.schema;
        const codes = schema?.allOf?.[1]?.properties?.error_code?.enum;
        if (codes === undefined) narrowed = false;
        for (const code of codes ?? []) documented.add(code);
      }
      operations.push({
        method,
        path,
        operationId: operation.operationId ?? '',
        documented,
        narrowed,
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
  return operations;
}

function decoratorsOf(node: ts.Node): { name: string; argument?: string }[] {
  return (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).flatMap((decorator) => {
    const call = decorator.expression;
    if (!ts.isCallExpression(call)) return [];
    const first = call.arguments[0];
    return [
      {
        name: call.expression.getText(),
        argument: first !== undefined && ts.isStringLiteral(first) ? first.text : undefined,
      },
    ];
  });
}

function accessOf(
  classNode: ts.ClassDeclaration,
  method: ts.MethodDeclaration,
): keyof typeof ACCESS_ERRORS {
  // Method decorators override class decorators, as the guard reads them.
  for (const decorators of [decoratorsOf(method), decoratorsOf(classNode)]) {
    if (decorators.some((d) => d.name === 'NoUserToken')) return 'no-user-token';
    const access = decorators.find((d) => d.name === 'Access')?.argument;
    if (access !== undefined) return access as AccessLevel;
    if (decorators.some((d) => d.name === 'Public')) return 'public';
  }
  return 'member';
}

describe('per-route error documentation', () => {
  let document: OpenAPIObject;
  let operations: Operation[];
  let analyzer: RouteErrorAnalyzer;

  beforeAll(async () => {
    document = await buildOfflineOpenApiDocument();
    operations = operationsOf(document);
    const controllers = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.controller.ts'))
      .map((file) => join(ROOT, 'src', file));
    analyzer = new RouteErrorAnalyzer([...controllers, join(ROOT, 'src/auth/api-auth.guard.ts')]);
  });

  it('documents error responses on every route, with error_code narrowed to its codes', () => {
    expect(operations.length).toBeGreaterThan(20);
    const bare = operations.filter((op) => op.documented.size === 0 || !op.narrowed);
    expect(bare.map((op) => `${op.method.toUpperCase()} ${op.path}`)).toEqual([]);
  });

  it("knows every code the global guard can answer (the table above is the guard's)", () => {
    const guard = analyzer.findClass('ApiAuthGuard');
    expect(guard).toBeDefined();
    const fromGuard = analyzer.analyse(guard as ts.ClassDeclaration);
    const tabled = new Set(Object.values(ACCESS_ERRORS).flat());
    expect([...fromGuard.codes].filter((code) => !tabled.has(code))).toEqual([]);
    expect(fromGuard.unboundedSites).toEqual([]);
  });

  it("lists every code each route's code path can produce", () => {
    const missing: string[] = [];
    for (const op of operations) {
      const [className, methodName] = op.operationId.split('_');
      const classNode = analyzer.findClass(className);
      const method = classNode && analyzer.method(classNode, methodName);
      if (classNode === undefined || method === undefined) {
        missing.push(`${op.operationId}: controller method not found`);
        continue;
      }
      const found = analyzer.analyse(method);
      const required = new Set<string>([
        ...found.codes,
        ...ACCESS_ERRORS[accessOf(classNode, method)],
        ...(found.callsStripe && STRIPE_ERRORS_HANDLED[op.operationId] === undefined
          ? STRIPE_ERRORS
          : []),
      ]);
      for (const parameter of method.parameters) {
        const kinds = decoratorsOf(parameter).map((d) => d.name);
        const typeName = parameter.type?.getText() ?? '';
        // A DTO class behind @Body/@Query/@Param goes through the validation pipe.
        if (
          kinds.some((kind) => ['Body', 'Query', 'Param'].includes(kind)) &&
          /^[A-Z]\w*Dto$/.test(typeName)
        ) {
          required.add('VALIDATION_FAILED');
        }
        if (kinds.includes('Body')) for (const code of JSON_BODY_ERRORS) required.add(code);
      }
      if (STRIPE_ERRORS_HANDLED[op.operationId] !== undefined && !found.callsStripe) {
        missing.push(
          `${op.operationId}: no longer calls Stripe; drop it from STRIPE_ERRORS_HANDLED`,
        );
      }
      for (const site of found.unboundedSites) {
        missing.push(`${op.operationId}: cannot tell which code ${site} throws`);
      }
      for (const code of required) {
        if (!op.documented.has(code)) {
          missing.push(`${op.method.toUpperCase()} ${op.path} (${op.operationId}): ${code}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
