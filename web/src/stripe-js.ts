/** The part of Stripe.js the demo uses: embedded checkout. */
export interface EmbeddedCheckout {
  mount(target: string | HTMLElement): void;
  unmount(): void;
  destroy(): void;
}

export interface StripeJs {
  initEmbeddedCheckout(options: {
    clientSecret?: string;
    fetchClientSecret?: () => Promise<string>;
    onComplete?: () => void;
  }): Promise<EmbeddedCheckout>;
}

type StripeConstructor = (publishableKey: string) => StripeJs;

declare global {
  interface Window {
    Stripe?: StripeConstructor;
  }
}

const loading = new Map<string, Promise<StripeConstructor>>();

/**
 * Loads Stripe.js once from `url` (GET /api/config's `stripeJsUrl`: Stripe's own, or the
 * emulator's offline stand-in in sandbox mode), as Stripe asks: a script tag, never a bundle copy.
 */
export function loadStripe(url: string, publishableKey: string): Promise<StripeJs> {
  let constructor = loading.get(url);
  if (constructor === undefined) {
    constructor = new Promise<StripeConstructor>((resolve, reject) => {
      const script = document.createElement('script');
      script.src = url;
      script.async = true;
      script.onload = () =>
        window.Stripe ? resolve(window.Stripe) : reject(new Error('Stripe.js did not load'));
      script.onerror = () => {
        loading.delete(url);
        reject(new Error(`Stripe.js could not be loaded from ${url}`));
      };
      document.head.appendChild(script);
    });
    loading.set(url, constructor);
  }
  return constructor.then((Stripe) => Stripe(publishableKey));
}
