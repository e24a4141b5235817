import type { ReactNode } from 'react';
import { CopyButton } from './copy-button.tsx';

/** A resource as the API returned it, with its id to copy: the portal's "JSON View". */
export function JsonView(props: { value: unknown; label?: string }): ReactNode {
  const id = (props.value as { id?: unknown } | undefined)?.id;
  return (
    <section aria-label={props.label ?? 'JSON view'} className="json-view">
      {typeof id === 'string' && (
        <div className="resource-id">
          <label htmlFor="resource-id">Resource ID</label>
          <input id="resource-id" readOnly value={id} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={id} label="Copy resource ID" />
        </div>
      )}
      <pre tabIndex={0}>{JSON.stringify(props.value, null, 2)}</pre>
    </section>
  );
}
