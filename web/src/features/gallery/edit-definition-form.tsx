/**
 * The fields of an image definition that Kiln lets change after creation (MUTABLE_FIELDS of
 * src/domain/gallery-images/gallery-image.ts): description, EULA, privacy and release-note URIs,
 * end of life, recommended vCPU and memory ranges and disallowed disk types, saved by PATCH. An
 * emptied field is sent as null, which removes it. (Its `features` are left to the JSON API.)
 */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError, TextAreaField, TextField } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { FormSection } from './form-section.tsx';
import { dateInputValue, isoDateOrNull, numberOrUndefined, textOrNull } from './form-values.ts';
import type { ImageDefinition, Range } from './gallery-resources.ts';

/** Azure's managed disk storage types, which a definition may disallow for VMs made from it. */
const DISK_TYPES = [
  'Standard_LRS',
  'StandardSSD_LRS',
  'Premium_LRS',
  'PremiumV2_LRS',
  'UltraSSD_LRS',
  'StandardSSD_ZRS',
  'Premium_ZRS',
];

const P = 'properties';
const TEXT_FIELDS = [
  ['description', 'Description'],
  ['privacyStatementUri', 'Privacy statement URI'],
  ['releaseNoteUri', 'Release note URI'],
] as const;
const RANGES = [
  ['vCPUs', 'Recommended vCPUs'],
  ['memory', 'Recommended memory (MB)'],
] as const;

type RangeName = (typeof RANGES)[number][0];
type RangeDraft = Record<RangeName, { min: string; max: string }>;

const draftOf = (range: Range | undefined) => ({ min: String(range?.min ?? ''), max: String(range?.max ?? '') });

function rangeOf(draft: { min: string; max: string }): Range | undefined {
  const min = numberOrUndefined(draft.min);
  const max = numberOrUndefined(draft.max);
  return min === undefined && max === undefined ? undefined : { min, max };
}

export function EditDefinitionForm(props: { definition: ImageDefinition; onSaved(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const current = props.definition.properties;
  const [texts, setTexts] = useState({
    description: current.description ?? '',
    privacyStatementUri: current.privacyStatementUri ?? '',
    releaseNoteUri: current.releaseNoteUri ?? '',
  });
  const [eula, setEula] = useState(current.eula ?? '');
  const [endOfLife, setEndOfLife] = useState(dateInputValue(current.endOfLifeDate));
  const [ranges, setRanges] = useState<RangeDraft>({
    vCPUs: draftOf(current.recommended?.vCPUs),
    memory: draftOf(current.recommended?.memory),
  });
  const [disallowed, setDisallowed] = useState<string[]>(current.disallowed?.diskTypes ?? []);
  const { busy, error, submit } = useFormSubmit(async () => {
    const recommended = Object.fromEntries(
      RANGES.flatMap(([name]) => {
        const range = rangeOf(ranges[name]);
        return range ? [[name, range]] : [];
      }),
    );
    await client.change('PATCH', props.definition.id, API_VERSIONS.galleries, {
      properties: {
        description: textOrNull(texts.description),
        eula: textOrNull(eula),
        privacyStatementUri: textOrNull(texts.privacyStatementUri),
        releaseNoteUri: textOrNull(texts.releaseNoteUri),
        endOfLifeDate: isoDateOrNull(endOfLife),
        recommended: Object.keys(recommended).length ? recommended : null,
        disallowed: disallowed.length ? { diskTypes: disallowed } : null,
      },
    });
    toast.success(`Image definition ${props.definition.name} saved`);
    props.onSaved();
  });
  const at = (path: string) => errorAt(error, path);
  const shown = [
    ...TEXT_FIELDS.map(([field]) => `${P}.${field}`),
    `${P}.eula`,
    `${P}.endOfLifeDate`,
    `${P}.disallowed.diskTypes`,
    ...RANGES.flatMap(([name]) => ['', '.min', '.max'].map((end) => `${P}.recommended.${name}${end}`)),
  ];
  return (
    <FormSection
      title="Edit definition"
      onSubmit={submit}
      submit={{ label: 'Save definition', busyLabel: 'Saving…', busy }}
    >
      {TEXT_FIELDS.map(([field, label]) => (
        <TextField
          key={field}
          label={label}
          type={field === 'description' ? 'text' : 'url'}
          value={texts[field]}
          onChange={(e) => setTexts({ ...texts, [field]: e.target.value })}
          error={at(`${P}.${field}`)}
        />
      ))}
      <TextAreaField
        label="EULA"
        className="short-text"
        value={eula}
        onChange={(e) => setEula(e.target.value)}
        error={at(`${P}.eula`)}
      />
      <TextField
        label="End-of-life date"
        type="date"
        value={endOfLife}
        onChange={(e) => setEndOfLife(e.target.value)}
        error={at(`${P}.endOfLifeDate`)}
      />
      {RANGES.map(([name, label]) => (
        <div className="field-row" key={name}>
          {(['min', 'max'] as const).map((end) => (
            <TextField
              key={end}
              label={`${label}, ${end === 'min' ? 'minimum' : 'maximum'}`}
              type="number"
              min={1}
              value={ranges[name][end]}
              onChange={(e) => setRanges({ ...ranges, [name]: { ...ranges[name], [end]: e.target.value } })}
              error={
                at(`${P}.recommended.${name}.${end}`) ?? (end === 'max' ? at(`${P}.recommended.${name}`) : undefined)
              }
            />
          ))}
        </div>
      ))}
      <fieldset className="checkbox-group">
        <legend>Disallowed disk types</legend>
        {DISK_TYPES.map((type) => (
          <label className="checkbox" key={type}>
            <input
              type="checkbox"
              checked={disallowed.includes(type)}
              onChange={(e) =>
                setDisallowed(e.target.checked ? [...disallowed, type] : disallowed.filter((t) => t !== type))
              }
            />
            {type}
          </label>
        ))}
        {at(`${P}.disallowed.diskTypes`) && <p className="field-error">{at(`${P}.disallowed.diskTypes`)}</p>}
      </fieldset>
      <FormError error={error} shown={shown} />
    </FormSection>
  );
}
