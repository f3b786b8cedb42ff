import { lazy, Suspense, useEffect, useState, useSyncExternalStore, type FormEvent } from 'react';
import { api, session } from './api/client';
import { can, type Me } from './api/model';
import { explain, asProblem } from './api/problem';
import { Link } from './components/Link';
import { Notice } from './components/Notice';
import { MeContext } from './context';
import { match, navigate, useLocation } from './router';
import { StoryList } from './screens/StoryList';

// The first screen (sign-in, the story list) loads alone; each other screen is its own chunk.
const Editor = lazy(() => import('./screens/Editor'));
const Approve = lazy(() => import('./screens/Approve'));
const Publish = lazy(() => import('./screens/Publish'));
const History = lazy(() => import('./screens/History'));
const Admin = lazy(() => import('./screens/Admin'));

export function App() {
  const token = useSyncExternalStore(session.subscribe, () => session.token);
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    if (!token) return setMe(null);
    void api.GET('/users/me').then(({ data }) => setMe(data ?? null));
  }, [token]);

  if (!token) return <SignIn />;
  if (!me) return <p className="loading">Loading…</p>;
  return (
    <MeContext.Provider value={me}>
      <Shell me={me} />
    </MeContext.Provider>
  );
}

function Shell({ me }: { me: Me }) {
  const { path } = useLocation();
  const allowed = can(me);
  let screen;
  let params: Record<string, string> | null;
  if (path === '/' || path === '') screen = <StoryList />;
  else if (path === '/new' && allowed.write) screen = <Editor />;
  else if ((params = match('/stories/:id/edit', path))) screen = <Editor id={params.id} />;
  else if ((params = match('/stories/:id/approve', path))) screen = <Approve id={params.id} />;
  else if ((params = match('/stories/:id/publish', path))) screen = <Publish id={params.id} />;
  else if ((params = match('/stories/:id/history', path))) screen = <History id={params.id} />;
  else if (path === '/admin' && (allowed.admin || allowed.verify)) screen = <Admin />;
  else screen = <p>There is no such page in the desk. <Link to="/">Back to the stories</Link>.</p>;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <nav aria-label="Desk">
          <Link to="/" className="brand">
            Masthead desk
          </Link>
          <Link to="/">Stories</Link>
          {allowed.write && <Link to="/new">New story</Link>}
          {(allowed.admin || allowed.verify) && <Link to="/admin">Admin</Link>}
        </nav>
        <div className="who">
          <span>
            {me.username} <span className="muted">({me.roles.join(', ')})</span>
          </span>
          <button
            type="button"
            onClick={() => {
              session.set(null);
              navigate('/', true);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="loading">Loading…</p>}>{screen}</Suspense>
      </main>
    </>
  );
}

function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    const { data, error: err, response } = await api.POST('/auth/token', { body: { username, password } });
    setBusy(false);
    if (response.status === 200) return session.set(data!.accessToken);
    setError(response.status === 401 ? 'That username and password do not match an account.' : explain(asProblem(err, response), 'sign in'));
  };
  return (
    <main id="main" className="signin">
      <h1>Masthead desk</h1>
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <label htmlFor="username">Username</label>
        <input id="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <Notice kind="error">{error}</Notice>
        <p className="muted small">You stay signed in until you sign out or reload this page: the desk keeps your key in memory only, where no other page can read it.</p>
      </form>
    </main>
  );
}
