import Stripe from 'stripe';
import { ApiError } from './api-error';

/**
 * How a failure of a Stripe call reaches our callers (DESIGN §4): their request was refused →
 * 400; our keys or permissions are wrong → 500; Stripe could not be reached or failed → 502.
 */
export function apiErrorFromStripe(
  error: InstanceType<typeof Stripe.errors.StripeError>,
): ApiError {
  switch (error.type) {
    case 'StripeCardError':
    case 'StripeInvalidRequestError':
    case 'StripeIdempotencyError':
      // Stripe's own message names internal ids (customers, prices); its code is enough.
      return new ApiError(
        'STRIPE_REQUEST_FAILED',
        undefined,
        error.code ? [{ message: error.code }] : [],
      );
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
    case 'StripeSignatureVerificationError':
      return new ApiError('STRIPE_MISCONFIGURED');
    default:
      return new ApiError('STRIPE_UNAVAILABLE');
  }
}

export function isStripeError(
  error: unknown,
): error is InstanceType<typeof Stripe.errors.StripeError> {
  return error instanceof Stripe.errors.StripeError;
}
