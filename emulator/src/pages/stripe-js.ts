import type { PageResponse } from '../http/emulator-server';

/**
 * The part of Stripe.js a checkout page needs, served by the emulator so embedded checkout works
 * offline: `Stripe(publishableKey)`, `initEmbeddedCheckout({clientSecret | fetchClientSecret,
 * onComplete})` returning an object with `mount`, `unmount` and `destroy`, and
 * `redirectToCheckout({sessionId})`. The checkout form lives in a frame served by the emulator
 * (`/embedded-checkout/:clientSecret`), which tells this script when the session is complete:
 * then, as Stripe.js does, `onComplete` is called (redirect_on_completion `if_required` or
 * `never`) or the page goes to the session's return URL (`always`, or no onComplete given).
 */
const STRIPE_JS = String.raw`(function () {
  'use strict';
  if (window.Stripe && window.Stripe.emulated) return;
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : window.location.origin;
  var active = null;

  function integrationError(message) {
    var error = new Error(message);
    error.name = 'IntegrationError';
    return error;
  }

  function EmbeddedCheckout(clientSecret, onComplete) {
    this._clientSecret = clientSecret;
    this._onComplete = typeof onComplete === 'function' ? onComplete : null;
    this._frame = null;
    this._listener = null;
  }

  EmbeddedCheckout.prototype.mount = function (target) {
    var element = typeof target === 'string' ? document.querySelector(target) : target;
    if (!element) throw integrationError('The selector you specified (' + target + ') applies to no DOM elements.');
    if (this._frame) throw integrationError('This Embedded Checkout is already mounted.');
    var frame = document.createElement('iframe');
    frame.src = origin + '/embedded-checkout/' + encodeURIComponent(this._clientSecret);
    frame.title = 'Secure checkout';
    frame.setAttribute('allow', 'payment');
    frame.style.cssText = 'display:block;width:100%;min-height:520px;border:0;background:transparent';
    var self = this;
    this._listener = function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      var data = event.data || {};
      if (data.type === 'stripe-emulator:resize' && typeof data.height === 'number') {
        frame.style.height = Math.ceil(data.height) + 'px';
      } else if (data.type === 'stripe-emulator:complete') {
        if (self._onComplete && data.redirectOnCompletion !== 'always') self._onComplete();
        else if (data.returnUrl) window.location.assign(data.returnUrl);
      }
    };
    window.addEventListener('message', this._listener);
    element.appendChild(frame);
    this._frame = frame;
  };

  EmbeddedCheckout.prototype.unmount = function () {
    if (this._listener) window.removeEventListener('message', this._listener);
    if (this._frame && this._frame.parentNode) this._frame.parentNode.removeChild(this._frame);
    this._frame = null;
    this._listener = null;
  };

  EmbeddedCheckout.prototype.destroy = function () {
    this.unmount();
    if (active === this) active = null;
  };

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (typeof publishableKey !== 'string' || !/^pk_(test|live)_\w+$/.test(publishableKey)) {
      throw integrationError('Invalid API Key provided: ' + publishableKey);
    }
    this._publishableKey = publishableKey;
  }

  Stripe.prototype.initEmbeddedCheckout = function (options) {
    options = options || {};
    if (active) return Promise.reject(integrationError('You cannot have multiple Embedded Checkout objects.'));
    var secret;
    if (typeof options.clientSecret === 'string') secret = Promise.resolve(options.clientSecret);
    else if (typeof options.fetchClientSecret === 'function') secret = Promise.resolve(options.fetchClientSecret());
    else return Promise.reject(integrationError('initEmbeddedCheckout needs a clientSecret or a fetchClientSecret function.'));
    return secret.then(function (clientSecret) {
      if (typeof clientSecret !== 'string' || clientSecret.indexOf('_secret_') < 0) {
        throw integrationError('Invalid client secret for Embedded Checkout.');
      }
      active = new EmbeddedCheckout(clientSecret, options.onComplete);
      return active;
    });
  };

  Stripe.prototype.redirectToCheckout = function (options) {
    if (!options || typeof options.sessionId !== 'string') {
      return Promise.reject(integrationError('redirectToCheckout needs a sessionId.'));
    }
    window.location.assign(origin + '/checkout/' + encodeURIComponent(options.sessionId));
    return new Promise(function () {});
  };

  Stripe.version = 3;
  Stripe.emulated = true;
  window.Stripe = Stripe;
})();
`;

/** `GET /v3/` — what `<script src="https://js.stripe.com/v3/">` loads, offline. */
export function stripeJsScript(): PageResponse {
  return { status: 200, contentType: 'text/javascript; charset=utf-8', body: STRIPE_JS };
}
