/**
 * Decodes Stripe's wire format: `application/x-www-form-urlencoded` with bracket keys
 * (`metadata[k]=v`, `items[0][price]=p`, `expand[]=x`), the same grammar the SDK uses for query
 * strings. The result is a tree of strings, arrays (from `[]`) and plain objects. Indexed keys
 * (`items[0]`) stay object keys here: only the reader knows whether a field is a list or a map
 * whose keys happen to be digits (`metadata[0]=…` is a valid metadata key).
 */
export type ParamTree = string | ParamTree[] | ParamObject;
export interface ParamObject {
  [key: string]: ParamTree;
}

const APPEND = '';

function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(key.slice(open))) !== null) segments.push(match[1]);
  return segments;
}

function isParamObject(value: ParamTree | undefined): value is ParamObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function insert(target: ParamObject, segments: string[], value: string): void {
  let node: ParamObject | ParamTree[] = target;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (Array.isArray(node)) {
      // Only `[]` reaches an array node; anything deeper than `a[][b]` is not Stripe's grammar.
      if (last) node.push(value);
      else {
        const child: ParamObject = {};
        node.push(child);
        node = child;
      }
      continue;
    }
    if (last) {
      node[segment] = value;
      return;
    }
    const nextIsAppend = segments[i + 1] === APPEND;
    const existing: ParamTree | undefined = node[segment];
    if (nextIsAppend) {
      if (!Array.isArray(existing)) node[segment] = [];
      node = node[segment] as ParamTree[];
      i += 1;
      if (i === segments.length - 1) {
        node.push(value);
        return;
      }
      const child: ParamObject = {};
      node.push(child);
      node = child;
      continue;
    }
    if (!isParamObject(existing)) node[segment] = {};
    node = node[segment] as ParamObject;
  }
}

export function parseFormBody(body: string): ParamObject {
  const root: ParamObject = {};
  if (body.length === 0) return root;
  for (const pair of body.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    insert(root, splitKey(key), value);
  }
  return root;
}
