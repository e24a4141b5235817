/**
 * Download access to a disk or snapshot, as Azure's "Disk export" has it: "Grant access" asks for a
 * read SAS valid for the seconds the user chooses (beginGetAccess), shown once with its expiry, a
 * copy button and a download link; "Revoke access" ends it at once (endGetAccess), before it expires.
 * The disk state moves to ActiveSAS and back to Unattached as the server records it.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { usePermissions } from '../../hooks/use-permissions.ts';
import { useSession } from '../../session/session-context.tsx';
import { ConfirmButton } from '../../ui/confirm-button.tsx';
import { CopyButton } from '../../ui/copy-button.tsx';
import { errorAt, FormError, TextField } from '../../ui/field.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';
import { timeOf, type ComputeKind, type Disk } from './model.ts';

interface Grant {
  url: string;
  expiresOn?: string;
}

const DEFAULT_SECONDS = '3600';
/** The states a read SAS can be granted in: the disk holds its data and no VM or upload holds it. */
const READABLE = ['Unattached', 'ActiveSAS'];

export function DiskAccess(props: { id: string; kind: ComputeKind; disk: Disk; reload(): void }): ReactNode {
  const { id, kind, disk } = props;
  const { client } = useSession();
  const toast = useToast();
  const can = usePermissions(id);
  const [seconds, setSeconds] = useState(DEFAULT_SECONDS);
  const [grant, setGrant] = useState<Grant>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const state = disk.properties.diskState ?? '';
  const readable = disk.properties.provisioningState === 'Succeeded' && READABLE.includes(state);

  const grantAccess = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await client.change<{ accessSAS: string }>('POST', `${id}/beginGetAccess`, kind.apiVersion, {
        access: 'Read',
        durationInSeconds: seconds.trim() === '' ? undefined : Number(seconds),
      });
      const url = answer?.accessSAS ?? '';
      // The SAS's own `se` is when the server stops honouring it.
      setGrant({ url, expiresOn: new URL(url, location.origin).searchParams.get('se') ?? undefined });
      toast.success(`Access to ${disk.name} granted`);
      props.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const revokeAccess = async () => {
    try {
      await client.change('POST', `${id}/endGetAccess`, kind.apiVersion);
      setGrant(undefined);
      toast.success(`Access to ${disk.name} revoked`);
      props.reload();
    } catch (failure) {
      toast.error(failure, `Access to ${disk.name} was not revoked`);
    }
  };

  const mayGrant = can(`${kind.type}/beginGetAccess/action`);
  const mayRevoke = can(`${kind.type}/endGetAccess/action`);
  if (!mayGrant && !mayRevoke) return null;
  return (
    <section className="compute-access" aria-labelledby="access-heading">
      <h2 id="access-heading">Download access</h2>
      {grant ? (
        <div className="compute-sas" role="group" aria-label="Shared access signature">
          <div className="compute-sas-url">
            <TextField label="SAS URL" readOnly value={grant.url} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={grant.url} label="Copy SAS URL" />
          </div>
          <p>
            Expires {timeOf(grant.expiresOn)}. Anyone holding this URL can read the {kind.noun} until then, or until
            access is revoked. It is shown only now.
          </p>
          <a href={grant.url} download={`${disk.name}.vhd`}>
            Download {disk.name}.vhd
          </a>
        </div>
      ) : (
        state === 'ActiveSAS' && (
          <p className="notice">
            A download URL is active. It was shown once, when it was granted: revoke it, or grant access again for a new
            one (which ends the old one).
          </p>
        )
      )}
      {mayGrant &&
        (readable ? (
          <form className="inline-form" aria-label="Grant access" onSubmit={grantAccess}>
            <TextField
              label="Expires in (seconds)"
              type="number"
              inputMode="numeric"
              value={seconds}
              onChange={(e) => setSeconds(e.target.value)}
              hint="Up to 432,000 (5 days)."
              error={errorAt(error, 'durationInSeconds')}
            />
            <button type="submit" disabled={busy}>
              {busy ? <Spinner label="Granting access…" /> : 'Grant access'}
            </button>
            <FormError error={error} shown={['durationInSeconds']} />
          </form>
        ) : (
          <p className="notice">
            Access can be granted to a {kind.noun} whose data is ready and that no VM uses; this one is {state} (
            {disk.properties.provisioningState}).
          </p>
        ))}
      {mayRevoke && (state === 'ActiveSAS' || state === 'ActiveUpload') && (
        <div className="actions">
          <ConfirmButton
            label="Revoke access"
            question={`Revoke access to ${disk.name}? Its SAS URL stops working at once.`}
            onConfirm={revokeAccess}
          />
        </div>
      )}
    </section>
  );
}
