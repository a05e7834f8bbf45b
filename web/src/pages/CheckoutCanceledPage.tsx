import { Link } from '../router';

/** Where checkout sends a buyer who went back without paying. */
export function CheckoutCanceledPage() {
  return (
    <section className="panel narrow" aria-labelledby="canceled-title">
      <h1 id="canceled-title">Checkout canceled</h1>
      <p>Nothing was charged. Your plan has not changed.</p>
      <Link className="button" href="/pricing">
        Back to pricing
      </Link>
    </section>
  );
}
