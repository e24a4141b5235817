/**
 * The image a new VM boots: a gallery image version, a managed image or a platform image, chosen
 * among those the location has (image-options.ts). The server's error for the image reference shows
 * under the picker in use.
 */
import type { ReactNode } from 'react';
import { useLoad } from '../../hooks/use-load.ts';
import { useSession } from '../../session/session-context.tsx';
import { SelectField } from '../../ui/field.tsx';
import { galleryVersionOptions, managedImageOptions, platformNames, type Option, type Urn } from './image-options.ts';
import type { ImageReference } from './vm-model.ts';

export type ImageKind = 'gallery' | 'managed' | 'platform';

export interface ImageChoice {
  kind: ImageKind;
  /** The version's or image's id. */
  id: string;
  urn: Partial<Urn>;
}

const KINDS: [ImageKind, string][] = [
  ['gallery', 'Gallery image version'],
  ['managed', 'Managed image'],
  ['platform', 'Platform image'],
];

/** What the VM's `storageProfile.imageReference` says for the choice; undefined until it is complete. */
export function imageReferenceOf(choice: ImageChoice): ImageReference | undefined {
  if (choice.kind !== 'platform') return choice.id ? { id: choice.id } : undefined;
  const { publisher, offer, sku, version } = choice.urn;
  return publisher && offer && sku && version ? { publisher, offer, sku, version } : undefined;
}

export function ImageSourceField(props: {
  subscriptions: readonly string[];
  /** The VM's subscription, whose platform catalog is listed. */
  subscription: string;
  location: string;
  choice: ImageChoice;
  onChange(choice: ImageChoice): void;
  error?: string;
}): ReactNode {
  const { choice, onChange } = props;
  return (
    <fieldset className="vm-image">
      <legend>Image</legend>
      <div className="vm-image-kinds" role="radiogroup" aria-label="Image source">
        {KINDS.map(([kind, label]) => (
          <label key={kind} className="checkbox">
            <input
              type="radio"
              name="image-kind"
              value={kind}
              checked={choice.kind === kind}
              onChange={() => onChange({ kind, id: '', urn: {} })}
            />
            {label}
          </label>
        ))}
      </div>
      {choice.kind === 'platform' ? (
        <PlatformImage {...props} />
      ) : (
        <ImageById {...props} kind={choice.kind} key={choice.kind} />
      )}
    </fieldset>
  );
}

function ImageById(props: Parameters<typeof ImageSourceField>[0] & { kind: 'gallery' | 'managed' }): ReactNode {
  const { client } = useSession();
  const { subscriptions, location, kind } = props;
  const options = useLoad(
    () => (kind === 'gallery' ? galleryVersionOptions : managedImageOptions)(client, subscriptions, location),
    [client, kind, subscriptions.join(','), location],
  );
  const label = kind === 'gallery' ? 'Image version' : 'Managed image';
  const none =
    kind === 'gallery'
      ? `No gallery image version is replicated to ${location}: publish one in a gallery, or replicate one there.`
      : `No managed image is in ${location}: create one from a disk, a snapshot or a stopped VM.`;
  return (
    <SelectField
      label={label}
      value={props.choice.id}
      onChange={(e) => props.onChange({ ...props.choice, id: e.target.value })}
      options={choices(options.data, options.loading)}
      error={props.error}
      hint={options.data?.length === 0 ? none : undefined}
    />
  );
}

const LEVELS: [keyof Urn, string][] = [
  ['publisher', 'Publisher'],
  ['offer', 'Offer'],
  ['sku', 'SKU'],
  ['version', 'Version'],
];

/** Publisher, offer, SKU and version, each listed once the one above it is chosen. */
function PlatformImage(props: Parameters<typeof ImageSourceField>[0]): ReactNode {
  const { urn } = props.choice;
  const pick = (level: number, value: string) => {
    const next: Partial<Urn> = {};
    LEVELS.slice(0, level).forEach(([key]) => (next[key] = urn[key]));
    next[LEVELS[level][0]] = value;
    props.onChange({ ...props.choice, urn: next });
  };
  return (
    <div className="vm-urn">
      {LEVELS.map(([key, label], level) => (
        <PlatformLevel
          key={key}
          label={label}
          subscription={props.subscription}
          location={props.location}
          above={level === 0 || urn[LEVELS[level - 1][0]] ? pickedAbove(urn, level) : undefined}
          value={urn[key] ?? ''}
          onChange={(value) => pick(level, value)}
          error={key === 'version' ? props.error : undefined}
        />
      ))}
    </div>
  );
}

const pickedAbove = (urn: Partial<Urn>, level: number): Partial<Urn> =>
  Object.fromEntries(LEVELS.slice(0, level).map(([key]) => [key, urn[key]]));

function PlatformLevel(props: {
  label: string;
  subscription: string;
  location: string;
  /** What is chosen above this level; undefined until it all is. */
  above: Partial<Urn> | undefined;
  value: string;
  onChange(value: string): void;
  error?: string;
}): ReactNode {
  const { client } = useSession();
  const { subscription, location, above } = props;
  const names = useLoad(
    async () => (above && subscription && location ? platformNames(client, subscription, location, above) : []),
    [client, subscription, location, JSON.stringify(above ?? null)],
  );
  const isVersion = props.label === 'Version';
  const options: Option[] = (names.data ?? []).map((name) => [name, name]);
  if (isVersion && options.length > 0) options.unshift(['latest', 'latest']);
  return (
    <SelectField
      label={props.label}
      value={props.value}
      disabled={!above}
      onChange={(e) => props.onChange(e.target.value)}
      options={choices(options, names.loading)}
      error={props.error}
    />
  );
}

/** The options after an empty first one that asks for a choice (or says they are loading). */
function choices(options: Option[] | undefined, loading: boolean): Option[] {
  const first: Option = ['', loading && !options?.length ? 'Loading…' : 'Choose…'];
  return [first, ...(options ?? [])];
}
