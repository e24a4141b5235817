/**
 * A button for work that cannot be undone (delete, revoke): it asks first in a modal dialog, which
 * the browser makes keyboard-trapped and closable with Escape, then runs the work with a spinner.
 */
import { useRef, useState, type ReactNode } from 'react';
import { Spinner } from './spinner.tsx';

export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  disabled?: boolean;
  title?: string;
  onConfirm: () => Promise<void>;
}): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    dialog.current?.close();
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={props.disabled || busy}
        title={props.title}
        onClick={() => dialog.current?.showModal()}
      >
        {busy ? <Spinner label={`${props.label}…`} /> : props.label}
      </button>
      <dialog ref={dialog} aria-label={props.label}>
        <p>{props.question}</p>
        <div className="actions">
          <button type="button" className="danger" onClick={confirm}>
            {props.confirmLabel ?? props.label}
          </button>
          <button type="button" className="secondary" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}
