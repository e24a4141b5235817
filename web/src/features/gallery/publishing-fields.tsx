/** A version's exclude-from-latest and end-of-life inputs, the same when creating it and when changing it. */
import type { ReactNode } from 'react';
import { errorAt, TextField } from '../../ui/field.tsx';

export const PUBLISHING_PATH = 'properties.publishingProfile';
export const PUBLISHING_PATHS = [`${PUBLISHING_PATH}.excludeFromLatest`, `${PUBLISHING_PATH}.endOfLifeDate`];

export interface PublishingDraft {
  excludeFromLatest: boolean;
  /** As a date input holds it: `2030-01-31`, or empty. */
  endOfLife: string;
}

export function PublishingFields(props: {
  value: PublishingDraft;
  onChange(value: PublishingDraft): void;
  error: unknown;
}): ReactNode {
  const { value, onChange, error } = props;
  const excludeError = errorAt(error, PUBLISHING_PATHS[0]);
  return (
    <>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={value.excludeFromLatest}
          onChange={(e) => onChange({ ...value, excludeFromLatest: e.target.checked })}
        />
        Exclude from latest
      </label>
      {excludeError && <p className="field-error">{excludeError}</p>}
      <TextField
        label="End-of-life date"
        type="date"
        value={value.endOfLife}
        onChange={(e) => onChange({ ...value, endOfLife: e.target.value })}
        error={errorAt(error, PUBLISHING_PATHS[1])}
      />
    </>
  );
}
