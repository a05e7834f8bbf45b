import { useEffect, useRef } from 'react';
import { Badge, Loading } from './components';
import { ErrorNotice } from './errors';
import { AccountPage } from './pages/AccountPage';
import { CheckoutCanceledPage } from './pages/CheckoutCanceledPage';
import { CheckoutReturnPage } from './pages/CheckoutReturnPage';
import { PricingPage } from './pages/PricingPage';
import { SignInPage } from './pages/SignInPage';
import { Link, Redirect, navigate, useLocation } from './router';
import { useSession } from './session';

function Page({ path }: { path: string }) {
  const { session } = useSession();
  switch (path) {
    case '/':
      return <Redirect to={session ? '/pricing' : '/sign-in'} />;
    case '/sign-in':
      return <SignInPage />;
    case '/pricing':
      return <PricingPage />;
  }
  const needsSession = ['/billing', '/billing/from-portal', '/billing/success', '/billing/cancel'];
  if (needsSession.includes(path) && !session) {
    return (
      <section className="panel narrow" aria-labelledby="signed-out-title">
        <h1 id="signed-out-title">Sign in first</h1>
        <p>This page shows your billing: sign in to see it.</p>
        <Link className="button" href="/sign-in">
          Sign in
        </Link>
      </section>
    );
  }
  switch (path) {
    case '/billing':
      return <AccountPage />;
    case '/billing/from-portal':
      return <AccountPage fromPortal />;
    case '/billing/success':
      return <CheckoutReturnPage />;
    case '/billing/cancel':
      return <CheckoutCanceledPage />;
    default:
      return (
        <section className="panel narrow" aria-labelledby="not-found-title">
          <h1 id="not-found-title">Page not found</h1>
          <Link href="/pricing">See plans</Link>
        </section>
      );
  }
}

export function App() {
  const { config, configError, session, account, signOut } = useSession();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Moving between pages: focus the new page, as a full page load would.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
    window.scrollTo(0, 0);
  }, [pathname]);

  const label = session?.label ?? null;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link href="/" className="brand">
          Billing demo
        </Link>
        {config ? (
          <Badge tone="warn">
            {config.mode === 'sandbox' ? 'Sandbox' : `Stripe ${config.mode}`}
          </Badge>
        ) : null}
        <nav aria-label="Main">
          <ul>
            <li>
              <Link href="/pricing" aria-current={pathname === '/pricing' ? 'page' : undefined}>
                Pricing
              </Link>
            </li>
            <li>
              <Link
                href="/billing"
                aria-current={pathname.startsWith('/billing') ? 'page' : undefined}
              >
                Account
              </Link>
            </li>
            <li>
              <a href="/docs">API docs</a>
            </li>
          </ul>
        </nav>
        <div className="who">
          {label ? (
            <>
              <span className="who-label">{label}</span>
              {account && !account.canManageBilling ? <Badge>View only</Badge> : null}
              <button
                type="button"
                className="button-link"
                onClick={() => {
                  signOut();
                  navigate('/sign-in');
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <Link href="/sign-in">Sign in</Link>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {configError ? <ErrorNotice error={configError} /> : null}
        {config === null && !configError ? (
          <Loading label="Connecting to the billing service…" />
        ) : null}
        {config !== null ? <Page path={pathname} /> : null}
      </main>
      <footer className="site-footer">
        <p className="muted">
          A demo of the billing service&apos;s API, built on its typed client (<code>client/</code>
          ).
          {config?.mode === 'sandbox'
            ? ' Sandbox: payments go to the built-in Stripe emulator; pay with 4242 4242 4242 4242.'
            : ''}
        </p>
      </footer>
    </>
  );
}
