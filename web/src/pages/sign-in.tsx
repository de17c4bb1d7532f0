import { useState, type FormEvent } from 'react';
import type { Api } from '../api';
import { ErrorBox } from '../components/error-box';
import type { Session } from '../types';

/** Paste an admin API key: it goes once in a POST body; the browser keeps only an httpOnly session cookie. */
export function SignInPage({ api, onSignedIn }: { api: Api; onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await api.signIn(key);
      setKey('');
      onSignedIn(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>OpenSEI</h1>
      <form onSubmit={(e) => void submit(e)} className="card" method="post" action="/v1/session">
        <h2>Sign in</h2>
        <p className="muted">
          Paste an admin API key (the one printed on first start, or one made with <code>sei keys create</code>). It is
          sent once to start a session; it is never kept in this browser.
        </p>
        <label>
          API key
          <input
            type="password"
            name="key"
            autoComplete="off"
            required
            value={key}
            onChange={(e) => setKey(e.target.value)}
            placeholder="sei_…"
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
