import Stripe from 'stripe';
import type ts from 'typescript';
import type { Endpoint } from '../src/api/api-call';
import type { ParamShape } from '../src/api/params/param-spec';
import { apiEndpoints } from '../src/api/routes';
import { StripeDomain } from '../src/billing/stripe-domain';
import { SdkTypes, type SdkOperation } from './support/sdk-types';

/**
 * Every endpoint the emulator serves is an operation of the official SDK, and every parameter it
 * declares (at any depth) is a parameter of that operation in the SDK's types, unsettable only
 * where Stripe accepts an empty value. So the declarations cannot drift from Stripe's API or
 * invent parameters, and the README table generated from them speaks Stripe's names.
 */
describe('declared parameters conform to the SDK', () => {
  const sdk = new SdkTypes();
  const operations = sdk.operations();
  const endpoints = apiEndpoints(new StripeDomain(Stripe.API_VERSION));

  function sameRoute(operation: SdkOperation, endpoint: Endpoint): boolean {
    if (operation.httpMethod !== endpoint.method) return false;
    const ours = endpoint.path.split('/');
    const theirs = operation.path.split('/');
    return (
      ours.length === theirs.length &&
      ours.every((segment, index) =>
        segment.startsWith(':') ? theirs[index].startsWith(':') : segment === theirs[index],
      )
    );
  }

  function compare(shape: ParamShape, type: ts.Type, prefix: string, problems: string[]): void {
    const object = sdk.objectPart(type);
    if (Object.keys(shape).length === 0) return;
    if (object === null) {
      problems.push(`${prefix}: the SDK has no parameters here`);
      return;
    }
    for (const [key, field] of Object.entries(shape)) {
      const name = prefix === '' ? key : `${prefix}[${key}]`;
      const property = sdk.property(object, key);
      if (property === null) {
        problems.push(`${name} is not a parameter of ${sdk.where(object)}`);
        continue;
      }
      if (
        field.options.unsettable === true &&
        field.kind !== 'metadata' &&
        !sdk.acceptsEmpty(property.type, property.declaration)
      )
        problems.push(`${name} is declared unsettable, but Stripe does not accept '' there`);
      const scalar = !['object', 'list', 'metadata', 'range'].includes(field.kind);
      if (scalar && !sdk.acceptsScalar(property.type))
        problems.push(`${name} is declared a value, but Stripe's takes an object or a list`);
      if (field.kind === 'object') compare(field.fields, property.type, name, problems);
      const of = field.options.of;
      if (field.kind === 'list' && of?.kind === 'object') {
        const element = sdk.arrayElement(property.type);
        if (element === null) problems.push(`${name} is declared a list, but Stripe's is not`);
        else compare(of.fields, element, `${name}[]`, problems);
      }
    }
  }

  /** Routes of Stripe's API the SDK has no method for (older list forms that still answer). */
  const NOT_IN_THE_SDK = new Set(['GET /v1/charges/:id/refunds']);

  it('finds every endpoint among the SDK operations', () => {
    const missing = endpoints
      .filter((endpoint) => !NOT_IN_THE_SDK.has(`${endpoint.method} ${endpoint.path}`))
      .filter((endpoint) => !operations.some((operation) => sameRoute(operation, endpoint)))
      .map((endpoint) => `${endpoint.method} ${endpoint.path}`);
    expect(missing).toEqual([]);
  });

  it('declares only parameters the SDK has, with their nesting and unsetting', () => {
    const problems: string[] = [];
    for (const endpoint of endpoints) {
      const operation = operations.find((candidate) => sameRoute(candidate, endpoint));
      if (operation === undefined) continue;
      const route = `${endpoint.method} ${endpoint.path}`;
      if (operation.params === null) {
        if (Object.keys(endpoint.params).length > 0)
          problems.push(`${route}: the SDK takes no parameters`);
        continue;
      }
      const found: string[] = [];
      compare(endpoint.params, operation.params, '', found);
      problems.push(...found.map((problem) => `${route}: ${problem}`));
    }
    expect(problems).toEqual([]);
  });
});
