/**
 * A hot read: a GET route also served at the server's front door, in front of Express and
 * Nest's per-request pipeline, for the requests it can answer exactly as its route would (see
 * `src/hot-reads.ts`). Anything else — a query string, an input the route would refuse, a
 * credential it does not take — is left to the route, which stays the reference.
 */
export interface HotRead<Account> {
  /** The route's path under the API prefix; a last segment `:name` takes one path parameter. */
  readonly path: string;
  /**
   * `public`: anonymous, or the account of a bearer token that is sent (service keys play no
   * part). `account`: a bearer token's account is required; a service key is left to the route.
   */
  readonly access: 'public' | 'account';
  /**
   * The route's 200 body, or undefined to leave the request to the route (a parameter it would
   * refuse). It reads only: it may run and then be left to the route.
   */
  answer(request: { param?: string; account?: Account }): Promise<unknown> | undefined;
}
