import { useState, type ReactNode } from 'react';

/** Copies `text` (a resource id, a SAS URL) to the clipboard and says so. */
export function CopyButton(props: { text: string; label?: string }): ReactNode {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(props.text);
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" className="secondary" onClick={copy} aria-label={props.label ?? 'Copy to clipboard'}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
