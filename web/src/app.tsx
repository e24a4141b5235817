/**
 * The portal's frame: sign-in until there is a session, then the header (who is signed in, sign
 * out), the side navigation the features give, and the page the path names.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { FEATURES } from './features/index.ts';
import { AllResources } from './features/browse/all-resources.tsx';
import { ResourcePage } from './features/browse/resource-page.tsx';
import { Subscriptions } from './features/browse/subscriptions.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { Link, matchRoute, navigate, usePath, type PortalRoute } from './router.tsx';
import { SessionProvider, storedSession, useSession } from './session/session-context.tsx';
import type { Session } from './session/session.ts';
import { EmptyState } from './ui/empty-state.tsx';
import { Page } from './ui/page.tsx';
import { ToastProvider } from './ui/toasts.tsx';

const VIEWS = Object.assign({}, ...FEATURES.map((f) => f.views ?? {}));
const ROUTES: PortalRoute[] = [
  { pattern: '/', render: () => <Subscriptions /> },
  { pattern: '/resources', render: () => <AllResources /> },
  { pattern: '/resource/*', render: (params) => <ResourcePage id={`/${params['*']}`} views={VIEWS} /> },
  ...FEATURES.flatMap((f) => f.routes ?? []),
];
const NAV = FEATURES.flatMap((f) => f.nav ?? []);

export function App(): ReactNode {
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [reason, setReason] = useState<string>();
  const onEnd = useCallback((why?: string) => {
    setReason(why);
    setSession(undefined);
  }, []);
  return (
    <ToastProvider>
      {session ? (
        <SessionProvider session={session} onEnd={onEnd}>
          <Shell />
        </SessionProvider>
      ) : (
        <SignIn reason={reason} onSignedIn={setSession} />
      )}
    </ToastProvider>
  );
}

function Shell(): ReactNode {
  const { session, signOut } = useSession();
  const { path } = usePath();
  const found = matchRoute(ROUTES, path);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to="/" className="brand">
          Kiln
        </Link>
        <span className="principal">
          Signed in as <code>{session.appId}</code>
        </span>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            signOut('You have signed out.');
            navigate('/', { replace: true });
          }}
        >
          Sign out
        </button>
      </header>
      <div className="layout">
        <nav aria-label="Main" className="side-nav">
          <ul>
            {NAV.map((entry) => (
              <li key={entry.to}>
                <Link to={entry.to} aria-current={isCurrent(entry.to, path) ? 'page' : undefined}>
                  {entry.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {found ? (
            found.route.render(found.params)
          ) : (
            <Page title="Page not found">
              <EmptyState title={`Nothing lives at ${path}`}>
                <p>
                  Go to <Link to="/">the subscriptions</Link> or <Link to="/resources">all resources</Link>.
                </p>
              </EmptyState>
            </Page>
          )}
        </main>
      </div>
    </>
  );
}

const isCurrent = (to: string, path: string) => (to === '/' ? path === '/' : path.startsWith(to));
