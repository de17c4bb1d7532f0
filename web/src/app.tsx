import { useEffect, useState } from 'react';
import type { Api } from './api';
import { ErrorBox } from './components/error-box';
import { CicdHealthPage } from './pages/cicd-health';
import { CustomCicdPage } from './pages/custom-cicd';
import { DoraPage } from './pages/dora';
import { DoraProfilePage } from './pages/dora-profile';
import { DrillDownPage } from './pages/drill-down';
import { IntegrationsPage } from './pages/integrations';
import { MergeRequestsPage } from './pages/merge-requests';
import { SignInPage } from './pages/sign-in';
import { TeamsPage } from './pages/teams';
import { navigate, useLocation } from './router';
import type { Session } from './types';

const NAV = [
  { path: '/insights/dora', label: 'DORA' },
  { path: '/insights/dora/profile', label: 'DORA profile' },
  { path: '/insights/cicd', label: 'CI/CD health' },
  { path: '/insights/merge-requests', label: 'Merge requests' },
  { path: '/teams', label: 'Teams' },
  { path: '/integrations', label: 'Integrations' },
  { path: '/custom-cicd', label: 'Custom CI/CD' },
];

/** The shell: who is signed in, the navigation, and the page for the current path. */
export function App({ api }: { api: Api }) {
  const loc = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    api.onSignedOut = () => setSession(null);
    api.session().then(setSession, setError);
  }, [api]);

  if (error !== undefined) return <ErrorBox error={error} />;
  if (session === undefined) return <p className="muted center">Loading…</p>;
  if (session === null) return <SignInPage api={api} onSignedIn={setSession} />;

  const path = loc.path === '/' ? '/insights/dora' : loc.path;
  const link = (to: string) => (e: React.MouseEvent) => {
    e.preventDefault();
    // Filters and time range follow the person between insight pages.
    navigate(to.startsWith('/insights') && path.startsWith('/insights') ? to + window.location.search : to);
  };
  // The nav entry of the page: the longest path it is under (the profile is under DORA).
  const active = NAV.filter((n) => path === n.path || path.startsWith(n.path + '/')).sort(
    (a, b) => b.path.length - a.path.length,
  )[0]?.path;
  const signOut = () => api.signOut().then(() => setSession(null), setError);
  const drill = /^\/insights\/dora\/([a-z-]+)$/.exec(path);
  let page: React.ReactNode;
  if (path === '/insights/dora/profile') page = <DoraProfilePage api={api} loc={loc} />;
  else if (drill !== null) page = <DrillDownPage api={api} loc={loc} metric={drill[1]!} />;
  else if (path === '/insights/dora') page = <DoraPage api={api} loc={loc} />;
  else if (path === '/insights/cicd') page = <CicdHealthPage api={api} loc={loc} />;
  else if (path === '/insights/merge-requests') page = <MergeRequestsPage api={api} loc={loc} />;
  else if (path === '/teams') page = <TeamsPage api={api} />;
  else if (path === '/integrations') page = <IntegrationsPage api={api} />;
  else if (path === '/custom-cicd') page = <CustomCicdPage api={api} loc={loc} />;
  else page = <p>No page here. Pick one above.</p>;

  return (
    <div className="shell">
      <header>
        <strong className="brand">OpenSEI</strong>
        <nav>
          {NAV.map((n) => (
            <a key={n.path} href={n.path} onClick={link(n.path)} className={n.path === active ? 'active' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.key_name} ({session.key_prefix}…) · tenant {session.tenant_id}
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>{page}</main>
    </div>
  );
}
