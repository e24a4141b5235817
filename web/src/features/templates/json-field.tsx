/**
 * The template's JSON: a labelled textarea that, when the server refused the template, is marked
 * invalid and lists every problem with the JSON path it names (or why the text is not JSON), read
 * out with the field. The text stays as the user wrote it.
 */
import { useId, type ReactNode } from 'react';
import type { Problem } from './json-problems.ts';

export function JsonField(props: {
  label: string;
  value: string;
  onChange(value: string): void;
  hint: string;
  problems: readonly Problem[];
  parseError?: string;
}): ReactNode {
  const id = useId();
  const invalid = props.problems.length > 0 || props.parseError !== undefined;
  return (
    <div className={`field template-json${invalid ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        spellCheck={false}
        rows={24}
        aria-invalid={invalid || undefined}
        aria-describedby={`${id}-hint${invalid ? ` ${id}-problems` : ''}`}
      />
      <div id={`${id}-hint`} className="field-hint">
        {props.hint}
      </div>
      {invalid && (
        <div id={`${id}-problems`} className="field-error">
          {props.parseError ? (
            <p>The text is not JSON: {props.parseError}</p>
          ) : (
            <>
              <p>The template has {props.problems.length === 1 ? 'a problem' : `${props.problems.length} problems`}:</p>
              <ul aria-label="Problems in the template JSON">
                {props.problems.map((p) => (
                  <li key={`${p.path} ${p.text}`}>
                    <code>{p.path}</code> {p.text}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </div>
  );
}
