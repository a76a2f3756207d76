/**
 * The console's shell: sign-in with an API token (kept in sessionStorage only: gone when the tab closes;
 * sent as a bearer header, never in a URL), the caller's role from whoami, navigation, and the pages.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Client } from './api.js';
import { describeError, ErrorLine } from './common.js';
import { PoolsPage } from './pools.js';
import { parseRoute, poolsHref, runsHref, type Route } from './route.js';
import { RunPage } from './run.js';
import { RunsPage } from './runs.js';
import type { SelfSubjectReview } from './types.js';

const TOKEN_KEY = 'longshore.token';
const NAMESPACE_KEY = 'longshore.namespace';

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return useMemo(() => parseRoute(hash), [hash]);
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [who, setWho] = useState<SelfSubjectReview>();
  const [error, setError] = useState<string>();
  const client = useMemo(() => (token ? new Client(token) : undefined), [token]);
  const route = useRoute();

  useEffect(() => {
    if (!client) return;
    client.whoami().then(setWho, (caught: unknown) => {
      sessionStorage.removeItem(TOKEN_KEY);
      setToken('');
      setError(describeError(caught));
    });
  }, [client]);

  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setWho(undefined);
    setToken('');
  };

  if (!client || !who) {
    return <SignIn error={error} busy={Boolean(client)} onToken={(value) => { setError(undefined); sessionStorage.setItem(TOKEN_KEY, value); setToken(value); }} />;
  }

  const scoped = who.status.namespace;
  const namespace = scoped ?? ('namespace' in route ? route.namespace : sessionStorage.getItem(NAMESPACE_KEY) ?? 'default');
  if (route.page === 'home' || (scoped && 'namespace' in route && route.namespace !== scoped)) {
    location.replace(runsHref(namespace));
    return null;
  }
  sessionStorage.setItem(NAMESPACE_KEY, namespace);

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <strong class="brand">Longshore</strong>
        <nav aria-label="Main">
          <a href={runsHref(namespace)} aria-current={route.page === 'runs' || route.page === 'run' ? 'page' : undefined}>Runs</a>
          <a href={poolsHref(namespace)} aria-current={route.page === 'pools' ? 'page' : undefined}>Pools</a>
        </nav>
        {scoped ? <span>Namespace <strong>{scoped}</strong></span> : <NamespacePicker namespace={namespace} page={route.page} />}
        <span class="who" data-testid="whoami">Role <strong>{who.status.role}</strong></span>
        <button type="button" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'runs' ? <RunsPage client={client} who={who} namespace={namespace} params={route.params} /> : null}
        {route.page === 'run' ? <RunPage client={client} who={who} namespace={namespace} name={route.name} /> : null}
        {route.page === 'pools' ? <PoolsPage client={client} who={who} namespace={namespace} /> : null}
      </main>
    </>
  );
}

function NamespacePicker({ namespace, page }: { namespace: string; page: Route['page'] }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get('namespace') ?? '').trim();
    if (value) location.hash = page === 'pools' ? poolsHref(value) : runsHref(value);
  };
  return (
    <form class="namespace" onSubmit={submit}>
      <label>Namespace <input name="namespace" value={namespace} size={16} pattern="[a-z0-9][a-z0-9-]{0,62}" required /></label>
      <button type="submit">Go</button>
    </form>
  );
}

function SignIn({ error, busy, onToken }: { error: string | undefined; busy: boolean; onToken: (token: string) => void }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get('token') ?? '').trim();
    if (value) onToken(value);
  };
  return (
    <main id="main" class="signin">
      <h1>Longshore console</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} required placeholder="lst_…" autofocus />
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      <p id="signin-help" class="muted">
        A token from <code>longshore token create --role viewer</code> (or submitter, operator, admin). It stays in this tab's
        session storage only and is sent as a bearer header.
      </p>
      <ErrorLine error={error} />
    </main>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
