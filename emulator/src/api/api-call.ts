import type { Router } from '../http/router';
import type { RequestParams } from '../http/request-params';
import { parameterInvalid } from '../http/stripe-error';
import type { PageRequest } from '../store/collection';
import { checkParams, type ParamShape } from './params/param-spec';

export interface ApiCall {
  pathParams: Record<string, string>;
  /** Body parameters for POST, query parameters for GET and DELETE. */
  params: RequestParams;
  path: string;
}

export type ApiHandler = (call: ApiCall) => object;
export type ApiRouter = Router<ApiHandler>;

/**
 * One API operation: its route, every parameter it implements (checked before the handler runs,
 * see `params/param-spec.ts`), and the handler. A resource's route file lists its endpoints.
 */
export interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  params: ParamShape;
  handler: ApiHandler;
}

export function registerEndpoints(router: ApiRouter, endpoints: readonly Endpoint[]): void {
  for (const endpoint of endpoints) {
    router.add(endpoint.method, endpoint.path, (call) => {
      checkParams(endpoint.params, call.params.tree);
      return endpoint.handler(call);
    });
  }
}

export function pageRequest(params: RequestParams): PageRequest {
  const limit = params.integer('limit') ?? 10;
  if (limit < 1 || limit > 100)
    throw parameterInvalid(
      'limit',
      'This value must be greater than or equal to 1 and less than or equal to 100.',
    );
  return {
    limit,
    startingAfter: params.string('starting_after'),
    endingBefore: params.string('ending_before'),
  };
}
