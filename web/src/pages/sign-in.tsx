/**
 * Sign-in with a service principal: its application (client) id and secret, as `az login
 * --service-principal` takes them. The tenant defaults to the server's own.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { signIn, type Session } from '../session/session.ts';
import { TextField } from '../ui/field.tsx';
import { Spinner } from '../ui/spinner.tsx';

export function SignIn(props: { reason?: string; onSignedIn(session: Session): void }): ReactNode {
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onSignedIn(await signIn(appId.trim(), secret, tenant.trim()));
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Sign in to Kiln</h1>
      {props.reason && (
        <p className="notice" role="status">
          {props.reason}
        </p>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <TextField
          label="Application (client) ID"
          name="appId"
          autoComplete="username"
          required
          value={appId}
          onChange={(e) => setAppId(e.target.value)}
          hint="A service principal's appId, as `kiln sp create` prints it (the first start writes the admin's to admin-credentials.json)."
        />
        <TextField
          label="Client secret"
          name="secret"
          type="password"
          autoComplete="current-password"
          required
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
        <TextField
          label="Tenant (optional)"
          name="tenant"
          value={tenant}
          onChange={(e) => setTenant(e.target.value)}
          hint="Leave empty for this server's tenant."
        />
        {error && (
          <div className="form-error" role="alert">
            <p>{error}</p>
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? <Spinner label="Signing in…" /> : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
