/**
 * A VHD run output's download. Its artifactUri is a user blob that only a storage token with a Storage
 * Blob Data read role may read, which a browser following a link does not send; so "Download VHD"
 * signs a read SAS for it with a user delegation key of the signed-in principal (arm/user-delegation-sas.ts),
 * starts the download, and keeps the signed link to download again or copy while it is valid. Kiln
 * checks the principal's role at every request made with it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { signedReadUrl, type SignedBlobUrl } from '../../arm/user-delegation-sas.ts';
import { useSession } from '../../session/session-context.tsx';
import { CopyButton } from '../../ui/copy-button.tsx';
import { Spinner } from '../../ui/spinner.tsx';
import { useToast } from '../../ui/toasts.tsx';

/** How long a signed link stays valid: long enough to download a large VHD, short enough to hand on safely. */
const LINK_LIFETIME_MS = 60 * 60 * 1000;

export function VhdDownload(props: { artifactUri: string; outputName: string }): ReactNode {
  const { session } = useSession();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [link, setLink] = useState<SignedBlobUrl>();
  const anchor = useRef<HTMLAnchorElement>(null);
  const fileName = decodeURIComponent(new URL(props.artifactUri).pathname.split('/').pop() ?? 'image.vhd');
  // A new link starts its download once it is on the page, as the click asked.
  useEffect(() => anchor.current?.click(), [link]);

  const storage = session.storage;
  if (storage === undefined || 'refused' in storage) {
    return (
      <p className="template-muted">
        Downloading needs a storage token, which this sign-in did not get
        {storage ? `: ${storage.refused}` : '. Sign in again.'}
      </p>
    );
  }
  const sign = async () => {
    setBusy(true);
    try {
      setLink(await signedReadUrl(props.artifactUri, storage.accessToken, LINK_LIFETIME_MS));
    } catch (failure) {
      toast.error(failure, `The VHD of ${props.outputName} could not be signed for download`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="template-artifact">
      <button type="button" className="secondary" onClick={sign} disabled={busy}>
        {busy ? <Spinner label="Signing…" /> : 'Download VHD'}
      </button>
      {link && (
        <>
          <a ref={anchor} href={link.url} download={fileName}>
            Download {fileName}
          </a>
          <CopyButton text={link.url} label={`Copy the download link of ${props.outputName}`} />
          <span className="field-hint">
            A read-only link for anyone holding it until{' '}
            <time dateTime={link.expiresOn.toISOString()}>{link.expiresOn.toLocaleTimeString()}</time>, while your
            Storage Blob Data role lasts.
          </span>
        </>
      )}
    </div>
  );
}
