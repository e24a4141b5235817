import type { ReactNode } from 'react';

/** Long work in progress: a spinner with its words for screen readers and sighted users alike. */
export function Spinner(props: { label?: string }): ReactNode {
  return (
    <span className="spinner" role="status">
      <span className="spinner-wheel" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </span>
  );
}
