/**
 * A gallery form as every gallery page lays it out: a section titled by its heading, the form
 * named the same for assistive technology, its submit button showing a spinner while the request runs.
 */
import { useId, type FormEvent, type ReactNode } from 'react';
import { Spinner } from '../../ui/spinner.tsx';

export function FormSection(props: {
  title: string;
  onSubmit(event: FormEvent): void;
  /** What the submit button says, and while busy, what it is doing (`Saving…`). */
  submit: { label: string; busyLabel: string; busy: boolean; disabled?: boolean; title?: string };
  children: ReactNode;
}): ReactNode {
  const heading = useId();
  const { submit } = props;
  return (
    <section aria-labelledby={heading}>
      <h2 id={heading}>{props.title}</h2>
      <form className="stacked gallery-form" onSubmit={props.onSubmit} aria-label={props.title}>
        {props.children}
        <button type="submit" disabled={submit.busy || submit.disabled} title={submit.title}>
          {submit.busy ? <Spinner label={submit.busyLabel} /> : submit.label}
        </button>
      </form>
    </section>
  );
}
