/**
 * Creates an image definition in a gallery (in the gallery's region, as Kiln requires): its name,
 * OS type and state, Hyper-V generation, identifier and description. A bad name or field is shown
 * at the input the server's JSON path names.
 */
import { useState, type ReactNode } from 'react';
import { API_VERSIONS } from '../../arm/api-versions.ts';
import { resourcePath } from '../../arm/ids.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session/session-context.tsx';
import { errorAt, FormError, SelectField, TextField } from '../../ui/field.tsx';
import { useFormSubmit } from '../../ui/form-submit.ts';
import { useToast } from '../../ui/toasts.tsx';
import { FormSection } from './form-section.tsx';
import type { Gallery } from './gallery-resources.ts';

const P = 'properties';
/** The choices fixed at creation, each with its values, the first the default (V2: UEFI, which Kiln's base images boot). */
const CHOICES = [
  ['osType', 'OS type', ['Linux', 'Windows']],
  ['osState', 'OS state', ['Generalized', 'Specialized']],
  ['hyperVGeneration', 'Hyper-V generation', ['V2', 'V1']],
] as const;
const IDENTIFIER = [
  ['publisher', 'Publisher'],
  ['offer', 'Offer'],
  ['sku', 'SKU'],
] as const;
const SHOWN = [
  'galleryImageName',
  ...CHOICES.map(([field]) => `${P}.${field}`),
  ...IDENTIFIER.map(([field]) => `${P}.identifier.${field}`),
  `${P}.description`,
];

export function CreateDefinitionForm(props: { gallery: Gallery; onCreated(): void }): ReactNode {
  const { client } = useSession();
  const toast = useToast();
  const [name, setName] = useState('');
  const [choices, setChoices] = useState<Record<string, string>>(
    Object.fromEntries(CHOICES.map(([field, , values]) => [field, values[0]])),
  );
  const [identifier, setIdentifier] = useState({ publisher: '', offer: '', sku: '' });
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ name: string; id: string }>();
  const { busy, error, submit } = useFormSubmit(async () => {
    const id = `${props.gallery.id}/images/${encodeURIComponent(name)}`;
    await client.change('PUT', id, API_VERSIONS.galleries, {
      location: props.gallery.location,
      properties: {
        ...choices,
        identifier,
        ...(description ? { description } : {}),
      },
    });
    toast.success(`Image definition ${name} created`);
    setCreated({ name, id });
    setName('');
    // Another definition of the gallery needs another identifier: its SKU is what usually differs.
    setIdentifier({ ...identifier, sku: '' });
    setDescription('');
    props.onCreated();
  });
  const at = (path: string) => errorAt(error, path);
  return (
    <FormSection
      title="Create image definition"
      onSubmit={submit}
      submit={{
        label: 'Create image definition',
        busyLabel: 'Creating…',
        busy,
        disabled: !name || Object.values(identifier).some((value) => !value),
      }}
    >
      {created && (
        <p className="notice">
          Created <Link to={resourcePath(created.id)}>{created.name}</Link>: open it to add versions.
        </p>
      )}
      <TextField
        label="Name"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={at('galleryImageName')}
        hint="Letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit."
      />
      <div className="field-row">
        {CHOICES.map(([field, label, values]) => (
          <SelectField
            key={field}
            label={label}
            value={choices[field]}
            onChange={(e) => setChoices({ ...choices, [field]: e.target.value })}
            options={values}
            error={at(`${P}.${field}`)}
          />
        ))}
      </div>
      <div className="field-row">
        {IDENTIFIER.map(([field, label]) => (
          <TextField
            key={field}
            label={label}
            required
            value={identifier[field]}
            onChange={(e) => setIdentifier({ ...identifier, [field]: e.target.value })}
            error={at(`${P}.identifier.${field}`)}
          />
        ))}
      </div>
      <TextField
        label="Description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={at(`${P}.description`)}
      />
      <FormError error={error} shown={SHOWN} />
    </FormSection>
  );
}
