/**
 * A labelled form field with the server's error for it: a field is tied to the JSON path the API
 * names (`properties.publisher`), so an ARM validation error lands under the input it concerns.
 */
import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { ArmRequestError } from '../arm/errors.ts';

/** The message the error gives for `path`, matched case-insensitively as ARM paths are. */
export function errorAt(error: unknown, path: string): string | undefined {
  if (!(error instanceof ArmRequestError)) return undefined;
  const found = error.fieldErrors().find((e) => e.target?.toLowerCase() === path.toLowerCase());
  return found ? `${found.code}: ${found.message}` : undefined;
}

type FieldProps = { label: string; error?: string; hint?: string };

interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/** Label, control and the note under it (the error, else the hint), tied together for assistive technology. */
function FieldShell(props: FieldProps & { control: (control: ControlProps) => ReactNode }): ReactNode {
  const { label, error, hint } = props;
  const id = useId();
  const note = error ?? hint;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {props.control({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': note ? `${id}-note` : undefined,
      })}
      {note && (
        <div id={`${id}-note`} className={error ? 'field-error' : 'field-hint'}>
          {note}
        </div>
      )}
    </div>
  );
}

export function TextField(props: FieldProps & InputHTMLAttributes<HTMLInputElement>): ReactNode {
  const { label, error, hint, ...input } = props;
  return <FieldShell label={label} error={error} hint={hint} control={(c) => <input {...c} {...input} />} />;
}

export function TextAreaField(props: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>): ReactNode {
  const { label, error, hint, ...area } = props;
  return <FieldShell label={label} error={error} hint={hint} control={(c) => <textarea {...c} {...area} />} />;
}

export function SelectField(
  props: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: readonly (string | [string, string])[] },
): ReactNode {
  const { label, error, hint, options, ...select } = props;
  return (
    <FieldShell
      label={label}
      error={error}
      hint={hint}
      control={(c) => (
        <select {...c} {...select}>
          {options.map((option) => {
            const [value, text] = typeof option === 'string' ? [option, option] : option;
            return (
              <option key={value} value={value}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    />
  );
}

/** The errors of a failed request that no field on the form shows: said above the buttons. */
export function FormError(props: { error: unknown; shown?: readonly string[] }): ReactNode {
  if (!props.error) return null;
  const shown = new Set((props.shown ?? []).map((p) => p.toLowerCase()));
  const lines =
    props.error instanceof ArmRequestError
      ? [props.error, ...props.error.details]
          .filter((e) => !e.target || !shown.has(e.target.toLowerCase()))
          .map((e) => `${e.code}: ${e.message}${e.target ? ` (at ${e.target})` : ''}`)
      : [props.error instanceof Error ? props.error.message : String(props.error)];
  if (lines.length === 0) return null;
  return (
    <div className="form-error" role="alert">
      {[...new Set(lines)].map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}
