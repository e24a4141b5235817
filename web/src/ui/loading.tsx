import type { ReactNode } from 'react';
import type { Loaded } from '../hooks/use-load.ts';
import { describeError } from './toasts.tsx';
import { Spinner } from './spinner.tsx';

/** Renders loaded data, a spinner until it comes, or the error that kept it from coming. */
export function Loading<T>(props: { loaded: Loaded<T>; label?: string; children(data: T): ReactNode }): ReactNode {
  const { data, error, loading } = props.loaded;
  if (data !== undefined) return props.children(data);
  if (error) {
    const { title, detail } = describeError(error);
    return (
      <div className="form-error" role="alert">
        <p>{title}</p>
        {detail && <p>{detail}</p>}
      </div>
    );
  }
  return loading ? <Spinner label={props.label} /> : null;
}
