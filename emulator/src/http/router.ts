interface Route<H> {
  method: string;
  pattern: string;
  segments: string[];
  handler: H;
}

export interface RouteMatch<H> {
  handler: H;
  pathParams: Record<string, string>;
  /** The route as registered (`/v1/customers/:id`): what counters count by. */
  pattern: string;
}

/**
 * Method + path pattern (`/v1/customers/:id`) routing. Routes are grouped by segment count, and
 * literal segments win over `:params` (so `/v1/customers/search` is not read as an id).
 */
export class Router<H> {
  private readonly bySegmentCount = new Map<number, Route<H>[]>();

  add(method: string, pattern: string, handler: H): this {
    const segments = pattern.split('/').filter((segment) => segment.length > 0);
    const routes = this.bySegmentCount.get(segments.length) ?? [];
    routes.push({ method, pattern, segments, handler });
    // Literal-first ordering: a route with fewer parameters is tried first.
    routes.sort(
      (a, b) =>
        a.segments.filter((s) => s.startsWith(':')).length -
        b.segments.filter((s) => s.startsWith(':')).length,
    );
    this.bySegmentCount.set(segments.length, routes);
    return this;
  }

  match(method: string, path: string): RouteMatch<H> | null {
    const parts = path.split('/').filter((segment) => segment.length > 0);
    const routes = this.bySegmentCount.get(parts.length);
    if (routes === undefined) return null;
    for (const route of routes) {
      if (route.method !== method) continue;
      const pathParams: Record<string, string> = {};
      let matched = true;
      for (let i = 0; i < parts.length; i += 1) {
        const segment = route.segments[i];
        if (segment.startsWith(':')) pathParams[segment.slice(1)] = decodeURIComponent(parts[i]);
        else if (segment !== parts[i]) {
          matched = false;
          break;
        }
      }
      if (matched) return { handler: route.handler, pathParams, pattern: route.pattern };
    }
    return null;
  }
}
