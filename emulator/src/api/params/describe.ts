import type { Endpoint } from '../api-call';
import type { Field, ParamShape } from './param-spec';

/**
 * The README's list of endpoints and their parameters, written from the declarations themselves
 * (`test/readme-endpoints.spec.ts` checks that the README shows the current list), so the
 * documentation cannot drift from what the emulator accepts.
 */

const SIMPLE_KINDS = new Set(['string', 'integer', 'decimal', 'boolean', 'timestamp']);

function isSimple(field: Field): boolean {
  return SIMPLE_KINDS.has(field.kind) && (field.options.literals ?? []).length === 0;
}

/** One field as the bracket paths a request uses: `address[city|country|…]`, `items[][price]`. */
function describeField(path: string, field: Field): string[] {
  switch (field.kind) {
    case 'enum':
      return [`${path}=${(field.options.values ?? []).join('|')}`];
    case 'timestamp': {
      const literals = field.options.literals ?? [];
      return [literals.length === 0 ? path : `${path}=<timestamp>|${literals.join('|')}`];
    }
    case 'range':
      return [`${path}[gt|gte|lt|lte]`];
    case 'list': {
      const of = field.options.of;
      return of === undefined ? [`${path}[]`] : describeField(`${path}[]`, of);
    }
    case 'object': {
      const children = Object.entries(field.fields);
      if (children.length > 0 && children.every(([, child]) => isSimple(child)))
        return [`${path}[${children.map(([key]) => key).join('|')}]`];
      return children.flatMap(([key, child]) => describeField(`${path}[${key}]`, child));
    }
    default:
      return [path];
  }
}

export function describeParams(shape: ParamShape): string[] {
  return Object.entries(shape).flatMap(([key, field]) => describeField(key, field));
}

export interface DescribedResource {
  name: string;
  endpoints: readonly Endpoint[];
}

/** Markdown: one heading per resource, one list item per endpoint with its parameters. */
export function describeEndpoints(resources: readonly DescribedResource[]): string {
  const sections = resources.map(({ name, endpoints }) => {
    const lines = endpoints.map((endpoint) => {
      const params = describeParams(endpoint.params);
      const route = `\`${endpoint.method} ${endpoint.path}\``;
      return params.length === 0
        ? `- ${route}`
        : `- ${route}: ${params.map((param) => `\`${param}\``).join(', ')}`;
    });
    return [`### ${name}`, '', ...lines].join('\n');
  });
  return sections.join('\n\n');
}
